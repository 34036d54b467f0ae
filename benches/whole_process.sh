#!/usr/bin/env bash
# Whole-process figures for docs/performance.md: cold start to first frame, peak RSS
# with a 100,000-entry log loaded, and `log import` throughput. Needs hyperfine and
# tmux (apt-get install hyperfine tmux). Usage: bash benches/whole_process.sh
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --quiet
B="$PWD/target/release/sitroom"
W="$(mktemp -d)"
trap 'tmux -L sitroom-perf kill-server 2>/dev/null || true; rm -rf "$W"' EXIT
export SITROOM_DB="$W/big.db" SITROOM_CONFIG_DIR="$W/cfg" SITROOM_CREATE=1 TERM=xterm-256color

# 100,000 entries: the staff-meeting lines of shared/data, repeated and numbered
python3 - "$W/100k.txt" <<'PY'
import sys
lines = [
    "08:02 Kriseledelsen satt. Til stede: ordfører, kommunedirektør, kommuneoverlege #stab",
    "Beredskapskoordinator orienterer: vannstanden i Lågen steg 40 cm siste 6 timer #situasjon",
    "!Sykehjemmet forberedes for evakuering innen kl 12:00 @kommuneoverlege #evakuering",
    "Strømbrudd meldt i Andebu sentrum, Glitre anslår 3–5 timer. Berørte med trygghetsalarm: 27 #strøm",
    "Mobilnettet ustabilt i Høyjord (Telenor bekrefter feil på mast), nødnett fungerer #ekom",
]
with open(sys.argv[1], "w") as f:
    for i in range(100_000):
        f.write(f"{lines[i % len(lines)]} (melding {i})\n")
PY
"$B" incident new --title "Flom i Lågen" --type flom >/dev/null
echo "== log import of 100,000 typed lines (whole process)"
/usr/bin/time -f "%e s, peak RSS %M KB" "$B" log import "$W/100k.txt"

echo "== cold start to first frame, 160x48 pty (script+stty alone is the second line: subtract it)"
hyperfine -N -w 3 -r 50 \
  "script -qec 'stty cols 160 rows 48; $B --exit-after-first-frame' /dev/null" \
  "script -qec 'stty cols 160 rows 48; true' /dev/null"

echo "== peak RSS with the whole log loaded, filtered and scrolled (tmux, 160x48)"
tmux -L sitroom-perf new-session -d -s p -x 160 -y 48 "env SITROOM_DB=$SITROOM_DB SITROOM_CONFIG_DIR=$SITROOM_CONFIG_DIR $B"
sleep 2
pid=$(tmux -L sitroom-perf display -p -t p '#{pane_pid}')
tmux -L sitroom-perf send-keys -t p C-f
tmux -L sitroom-perf send-keys -t p -l strom
sleep 0.5
tmux -L sitroom-perf send-keys -t p Escape
for _ in $(seq 1 50); do tmux -L sitroom-perf send-keys -t p PageUp; done
sleep 1
grep -E "VmHWM|VmRSS" "/proc/$pid/status"
tmux -L sitroom-perf send-keys -t p C-q

echo "== archive export of the 100,000-entry incident, and verify (whole process)"
/usr/bin/time -f "%e s, peak RSS %M KB" "$B" archive export --out "$W/arkiv"
/usr/bin/time -f "%e s, peak RSS %M KB" "$B" archive verify "$W/arkiv"
du -sh "$W/arkiv"

echo "== print the incident as PDF (whole process)"
/usr/bin/time -f "%e s, peak RSS %M KB" "$B" print incident --out "$W/hendelse.pdf"
ls -la "$W/hendelse.pdf"

echo "== mail import of a maildir with 10,000 messages (QP ISO-8859-1, base64 UTF-8 with an attachment, HTML)"
python3 - "$W/maildir" <<'PY'
import os, sys, base64
d = sys.argv[1]
for sub in ("new", "cur", "tmp"):
    os.makedirs(os.path.join(d, sub), exist_ok=True)
for k in range(10_000):
    if k % 3 == 0:
        m = (f"From: =?ISO-8859-1?Q?P=E5l_=C6r=F8?= <pal{k}@vannverk.example.no>\r\nSubject: =?ISO-8859-1?Q?Vannstand_ved_B=F8en?=\r\n"
             f"Message-ID: <w{k}@example.no>\r\nDate: Tue, 24 Nov 2026 08:15:00 +0100\r\nContent-Type: text/plain; charset=ISO-8859-1\r\n"
             "Content-Transfer-Encoding: quoted-printable\r\n\r\nVannet st=E5r n=E5 40 cm over flomvollen ved B=F8en.\r\n").encode()
    elif k % 3 == 1:
        body = base64.b64encode("Evakueringen av Åsgårdstrand skole er fullført.".encode()).decode()
        m = (f"From: kari{k}@politiet.example.no\r\nSubject: Evakuering\r\nMessage-ID: <w{k}@example.no>\r\n"
             "Content-Type: multipart/mixed; boundary=B\r\n\r\n--B\r\nContent-Type: text/plain; charset=UTF-8\r\n"
             f"Content-Transfer-Encoding: base64\r\n\r\n{body}\r\n--B\r\nContent-Type: application/pdf; name=a.pdf\r\n"
             "Content-Disposition: attachment; filename=a.pdf\r\nContent-Transfer-Encoding: base64\r\n\r\nJVBERi0xLjQ=\r\n--B--\r\n").encode()
    else:
        m = (f"From: drift{k}@elvia.example.no\r\nSubject: =?UTF-8?Q?Str=C3=B8mbrudd?=\r\nMessage-ID: <w{k}@example.no>\r\n"
             "Content-Type: text/html; charset=UTF-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n"
             "<p>Str=C3=B8mmen er borte i <b>H=C3=B8yjord</b>.</p>\r\n").encode()
    with open(os.path.join(d, "new", f"{k:06}.msg"), "wb") as f:
        f.write(m)
PY
export SITROOM_DB="$W/mail.db"
"$B" incident new --title "Flom i Lågen" --type flom >/dev/null
/usr/bin/time -f "%e s, peak RSS %M KB" "$B" mail import "$W/maildir"
/usr/bin/time -f "%e s, peak RSS %M KB (again: all duplicates)" "$B" mail import "$W/maildir"
