//! A link emulator: a TCP proxy on 127.0.0.1 that limits bandwidth, adds delay, and
//! can stall, cut, or go down altogether (the kernel's netem is not available on these
//! machines). It counts the bytes that cross it each way: HTTP headers and bodies, as a
//! radio modem would carry them (TCP/IP headers not included).

use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

#[derive(Debug, Clone, Copy)]
pub struct Shape {
    /// Bits per second each way; 0 for no limit.
    pub bits_per_sec: u64,
    /// Added to every chunk, each way: round trip = 2 × this.
    pub one_way_delay: Duration,
    /// Chance per chunk that the link stalls for `stall` before passing it on.
    pub stall_chance: f64,
    pub stall: Duration,
    /// Chance per chunk that the connection is cut.
    pub cut_chance: f64,
    /// Bytes the link holds on their way, each way, at most (0: no limit). A modem's
    /// buffer: beyond it the link stops reading, so the sender's socket fills and its
    /// TCP sees the link is busy, as it would on the real thing.
    pub buffer: usize,
}

impl Shape {
    pub fn clear() -> Shape {
        Shape {
            bits_per_sec: 0,
            one_way_delay: Duration::ZERO,
            stall_chance: 0.0,
            stall: Duration::ZERO,
            cut_chance: 0.0,
            buffer: 0,
        }
    }

    /// A narrowband radio or satellite data link.
    pub fn radio(bits_per_sec: u64, round_trip: Duration) -> Shape {
        Shape { bits_per_sec, one_way_delay: round_trip / 2, ..Shape::clear() }
    }
}

struct State {
    up: AtomicBool,
    shape: Mutex<Shape>,
    up_bytes: AtomicU64,
    down_bytes: AtomicU64,
    connections: Mutex<Vec<TcpStream>>,
    accepted: AtomicU64,
    rng: Mutex<u64>,
}

impl State {
    fn chance(&self, p: f64) -> bool {
        if p <= 0.0 {
            return false;
        }
        let mut x = self.rng.lock().unwrap();
        // xorshift64: plenty for deciding stalls.
        *x ^= *x << 13;
        *x ^= *x >> 7;
        *x ^= *x << 17;
        (*x as f64 / u64::MAX as f64) < p
    }

    fn cut_all(&self) {
        for c in self.connections.lock().unwrap().drain(..) {
            let _ = c.shutdown(Shutdown::Both);
        }
    }
}

pub struct Link {
    /// Where clients connect: `http://{addr}` reaches the target through the link.
    pub addr: String,
    state: Arc<State>,
}

impl Link {
    pub fn start(target: &str, shape: Shape) -> Link {
        Link::balance(&[target], shape)
    }

    /// A load balancer in front of several servers: each new connection goes to the
    /// next of `targets` in turn that takes it (one that refuses is passed over, as a
    /// balancer's health check would).
    pub fn balance(targets: &[&str], shape: Shape) -> Link {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap().to_string();
        let state = Arc::new(State {
            up: AtomicBool::new(true),
            shape: Mutex::new(shape),
            up_bytes: AtomicU64::new(0),
            down_bytes: AtomicU64::new(0),
            connections: Mutex::new(Vec::new()),
            accepted: AtomicU64::new(0),
            rng: Mutex::new(0x9e37_79b9_7f4a_7c15),
        });
        let targets: Vec<String> = targets.iter().map(|t| t.to_string()).collect();
        let st = state.clone();
        thread::spawn(move || {
            let mut next = 0;
            for client in listener.incoming() {
                let Ok(client) = client else { continue };
                if !st.up.load(Ordering::SeqCst) {
                    let _ = client.shutdown(Shutdown::Both);
                    continue;
                }
                let tried = (0..targets.len()).map(|i| &targets[(next + i) % targets.len()]);
                let Some(server) = tried.filter_map(|t| TcpStream::connect(t).ok()).next() else {
                    let _ = client.shutdown(Shutdown::Both);
                    continue;
                };
                next += 1;
                st.accepted.fetch_add(1, Ordering::SeqCst);
                let _ = client.set_nodelay(true);
                let _ = server.set_nodelay(true);
                {
                    let mut conns = st.connections.lock().unwrap();
                    conns.push(client.try_clone().unwrap());
                    conns.push(server.try_clone().unwrap());
                }
                pump(st.clone(), client.try_clone().unwrap(), server.try_clone().unwrap(), true);
                pump(st.clone(), server, client, false);
            }
        });
        Link { addr, state }
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Take the link down (every connection cut, new ones refused) or bring it back.
    pub fn set_up(&self, up: bool) {
        self.state.up.store(up, Ordering::SeqCst);
        if !up {
            self.state.cut_all();
        }
    }

    pub fn reshape(&self, shape: Shape) {
        *self.state.shape.lock().unwrap() = shape;
    }

    /// Bytes carried (client → server, server → client) since the last reset.
    pub fn bytes(&self) -> (u64, u64) {
        (self.state.up_bytes.load(Ordering::SeqCst), self.state.down_bytes.load(Ordering::SeqCst))
    }

    pub fn reset_bytes(&self) {
        self.state.up_bytes.store(0, Ordering::SeqCst);
        self.state.down_bytes.store(0, Ordering::SeqCst);
    }

    /// TCP connections opened through the link so far.
    pub fn connections(&self) -> u64 {
        self.state.accepted.load(Ordering::SeqCst)
    }
}

impl Drop for Link {
    fn drop(&mut self) {
        self.set_up(false);
    }
}

/// Carry one direction: a reader stamps each chunk with its arrival, a writer hands it
/// on after the delay, no faster than the bandwidth allows.
fn pump(state: Arc<State>, mut from: TcpStream, mut to: TcpStream, upward: bool) {
    let (tx, rx) = mpsc::channel::<(Instant, Vec<u8>)>();
    let reader_state = state.clone();
    // Bytes read and not yet handed on.
    let on_the_way = Arc::new(AtomicU64::new(0));
    let (reading, writing) = (on_the_way.clone(), on_the_way);
    if state.shape.lock().unwrap().buffer > 0 {
        small_receive_buffer(&from);
    }
    thread::spawn(move || {
        let mut buf = vec![0u8; 16 * 1024];
        loop {
            let buffer = reader_state.shape.lock().unwrap().buffer as u64;
            if buffer > 0 && reading.load(Ordering::SeqCst) >= buffer {
                thread::sleep(Duration::from_millis(1));
                continue;
            }
            let room = if buffer > 0 { (buffer as usize).min(buf.len()) } else { buf.len() };
            match from.read(&mut buf[..room]) {
                Ok(0) | Err(_) => break,
                Ok(n) => {
                    let counter = if upward { &reader_state.up_bytes } else { &reader_state.down_bytes };
                    counter.fetch_add(n as u64, Ordering::SeqCst);
                    reading.fetch_add(n as u64, Ordering::SeqCst);
                    if tx.send((Instant::now(), buf[..n].to_vec())).is_err() {
                        break;
                    }
                }
            }
        }
    });
    thread::spawn(move || {
        let mut free_at = Instant::now();
        while let Ok((arrived, chunk)) = rx.recv() {
            let shape = *state.shape.lock().unwrap();
            if !state.up.load(Ordering::SeqCst) || state.chance(shape.cut_chance) {
                let _ = to.shutdown(Shutdown::Both);
                break;
            }
            if state.chance(shape.stall_chance) {
                thread::sleep(shape.stall);
            }
            let mut at = arrived + shape.one_way_delay;
            if shape.bits_per_sec > 0 {
                let on_air = Duration::from_secs_f64(chunk.len() as f64 * 8.0 / shape.bits_per_sec as f64);
                free_at = free_at.max(arrived) + on_air;
                at = at.max(free_at + shape.one_way_delay);
            }
            let now = Instant::now();
            if at > now {
                thread::sleep(at - now);
            }
            if to.write_all(&chunk).is_err() {
                break;
            }
            writing.fetch_sub(chunk.len() as u64, Ordering::SeqCst);
        }
        let _ = to.shutdown(Shutdown::Write);
    });
}

/// The kernel's receive buffer as small as it goes (a few KB), so that what the link
/// has not taken stays with the sender, as on a real narrow link.
fn small_receive_buffer(socket: &TcpStream) {
    use std::os::fd::AsRawFd;
    let size: libc::c_int = 1024;
    // SAFETY: setsockopt reads one int from the pointer, on a socket we own.
    unsafe {
        libc::setsockopt(
            socket.as_raw_fd(),
            libc::SOL_SOCKET,
            libc::SO_RCVBUF,
            &size as *const libc::c_int as *const libc::c_void,
            std::mem::size_of::<libc::c_int>() as libc::socklen_t,
        );
    }
}
