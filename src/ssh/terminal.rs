//! A session's frames on their way out. The UI writes a frame into a [`FrameWriter`];
//! each flush hands what was written to a task that puts it on the SSH channel. The
//! frame counts as in flight until the socket has sent it and the far end has
//! acknowledged it (the kernel's count of what the socket still holds, TIOCOUTQ): on a
//! slow link the UI then draws nothing more meanwhile, and the frame it draws once the
//! link is free shows the newest state. So at most one frame is ever on its way, and
//! russh's unbounded queue never holds more than that one.

use russh::server::Handle;
use russh::ChannelId;
use std::io::Write;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::sync::mpsc::{UnboundedReceiver, UnboundedSender};

/// The connection's socket, as the frame sender watches it.
#[derive(Clone)]
pub struct Socket {
    /// Bytes written to the socket so far (SSH packets, encrypted).
    written: Arc<AtomicU64>,
    /// Set when the connection has ended: nothing more will be acknowledged.
    closed: Arc<std::sync::atomic::AtomicBool>,
    #[cfg(unix)]
    fd: std::os::fd::RawFd,
}

impl Socket {
    /// Bytes the socket holds that the far end has not acknowledged (sent or not).
    /// Where that cannot be asked, none: a frame then counts as gone once written.
    fn unacknowledged(&self) -> usize {
        #[cfg(target_os = "linux")]
        {
            let mut n: libc::c_int = 0;
            // SAFETY: TIOCOUTQ writes one int; the fd is the connection's socket, open
            // while the session runs (its stream is owned by the same russh session).
            let r = unsafe { libc::ioctl(self.fd, libc::TIOCOUTQ, &mut n) };
            if r == 0 {
                return n.max(0) as usize;
            }
        }
        0
    }

    /// Wait until something was written after `before` (russh put the frame on the
    /// socket) and the far end has acknowledged all of it; or the connection is gone.
    async fn wait_gone(&self, before: u64) {
        let mut pause = Duration::from_millis(1);
        loop {
            let written = self.written.load(Ordering::Acquire) > before;
            if (written && self.unacknowledged() == 0) || self.closed.load(Ordering::Acquire) {
                return;
            }
            tokio::time::sleep(pause).await;
            pause = (pause * 2).min(Duration::from_millis(16));
        }
    }

    /// The connection has ended.
    pub fn close(&self) {
        self.closed.store(true, Ordering::Release);
    }
}

/// The TCP stream as russh reads and writes it, counting what is written.
pub struct Counted<S> {
    inner: S,
    written: Arc<AtomicU64>,
}

impl Counted<tokio::net::TcpStream> {
    pub fn new(stream: tokio::net::TcpStream) -> (Counted<tokio::net::TcpStream>, Socket) {
        let written = Arc::new(AtomicU64::new(0));
        let socket = Socket {
            written: written.clone(),
            closed: Default::default(),
            #[cfg(unix)]
            fd: std::os::fd::AsRawFd::as_raw_fd(&stream),
        };
        (Counted { inner: stream, written }, socket)
    }
}

impl<S: AsyncRead + Unpin> AsyncRead for Counted<S> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_read(cx, buf)
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for Counted<S> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        let polled = Pin::new(&mut self.inner).poll_write(cx, buf);
        if let Poll::Ready(Ok(n)) = polled {
            self.written.fetch_add(n as u64, Ordering::Release);
        }
        polled
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

/// Where the UI's terminal writes: collected until a flush, then handed on whole.
pub struct FrameWriter {
    buf: Vec<u8>,
    frames: UnboundedSender<Vec<u8>>,
    /// Frames handed on and not yet gone.
    pending: Arc<AtomicUsize>,
}

impl Write for FrameWriter {
    fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
        self.buf.extend_from_slice(b);
        Ok(b.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        if self.buf.is_empty() {
            return Ok(());
        }
        self.pending.fetch_add(1, Ordering::AcqRel);
        // A connection that has gone takes nothing more; the session learns it from
        // its input ending, and meanwhile what it writes (its last frame, the cursor
        // shown on the way out) goes nowhere.
        if self.frames.send(std::mem::take(&mut self.buf)).is_err() {
            self.pending.fetch_sub(1, Ordering::AcqRel);
        }
        Ok(())
    }
}

/// The writer for a session's UI, whether a frame is still on its way, and the task
/// that sends the frames on `channel` (ending the channel once the UI is done: the
/// writer dropped). `exit` is the exit status the far end's `ssh` returns.
pub fn frames(
    handle: Handle,
    channel: ChannelId,
    socket: Socket,
    exit: Arc<std::sync::atomic::AtomicU32>,
) -> (FrameWriter, crate::tui::event_loop::InFlight, impl std::future::Future<Output = ()>) {
    let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
    let pending = Arc::new(AtomicUsize::new(0));
    let writer = FrameWriter { buf: Vec::with_capacity(1 << 14), frames: tx, pending: pending.clone() };
    let watched = pending.clone();
    let in_flight: crate::tui::event_loop::InFlight = Arc::new(move || watched.load(Ordering::Acquire) > 0);
    (writer, in_flight, send(handle, channel, socket, rx, pending, exit))
}

async fn send(
    handle: Handle,
    channel: ChannelId,
    socket: Socket,
    mut rx: UnboundedReceiver<Vec<u8>>,
    pending: Arc<AtomicUsize>,
    exit: Arc<std::sync::atomic::AtomicU32>,
) {
    while let Some(mut bytes) = rx.recv().await {
        let mut n = 1;
        while let Ok(more) = rx.try_recv() {
            bytes.extend_from_slice(&more);
            n += 1;
        }
        let before = socket.written.load(Ordering::Acquire);
        if handle.data(channel, bytes).await.is_err() {
            // Gone: nothing will be in flight again (later frames are dropped).
            pending.store(0, Ordering::Release);
            return;
        }
        socket.wait_gone(before).await;
        pending.fetch_sub(n, Ordering::AcqRel);
    }
    let _ = handle.exit_status_request(channel, exit.load(Ordering::Acquire)).await;
    let _ = handle.eof(channel).await;
    let _ = handle.close(channel).await;
}
