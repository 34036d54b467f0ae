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
export SITROOM_DB="$W/big.db" SITROOM_CONFIG_DIR="$W/cfg" TERM=xterm-256color

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
