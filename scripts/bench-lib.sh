# shellcheck shell=bash
# Helpers the benchmark scripts share (sourced, not run: scripts/bench-*).

# Microseconds since the epoch, from bash's own clock (no process started).
now_us() { local t=$EPOCHREALTIME; echo "${t/./}"; }

# The median of the numbers on stdin, one per line (the lower middle one of an even count).
median() { sort -g | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }

# pair_ratio FORMAT "A1 A2 ..." "F1 F2 ...": the median of A_i / F_i, each run
# over the floor run next to it (a drift of the machine's load moves both of a
# pair), printed with the printf FORMAT; "-" when there is no pair.
pair_ratio() {
        local fmt=$1 i
        local -a a=($2) f=($3)
        for ((i = 0; i < ${#a[@]}; i++)); do
                awk -v x="${a[i]}" -v y="${f[i]}" 'BEGIN { if (y > 0) printf "%.6f\n", x / y }'
        done | sort -g | awk -v fmt="$fmt" '{ r[NR] = $1 } END { if (NR) printf fmt, r[int((NR + 1) / 2)]; else printf "-" }'
}
