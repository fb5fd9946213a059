# SPDX-License-Identifier: GPL-2.0
# The chart of tests/bench/overlay.sh: per case, bulk / rr / crr / http as
# ratios against the kernel FOU tunnel between routed containers of the
# case's family: r-fou (IPv4), r-fou6 (IPv6 over IPv4), r-fou66 (IPv6 over
# IPv6).
# Called as
#   gnuplot -e "datafile='...'; outfile='...'; subtitle='...'" overlay-chart.gp
# datafile: tab-separated, a header line, then
# "datapath|topology<TAB>bulk<TAB>rr<TAB>crr<TAB>http" with NaN where a case
# or a test was not measured.

set terminal pngcairo size 1700,640 enhanced font "DejaVu Sans,11"
set output outfile
set datafile separator "\t"
set title sprintf("Overlay datapaths: ratio against kernel FOU GRE-in-UDP between routed containers of the same family (r-fou; IPv6: r-fou6, r-fou66)\n{/*0.8 %s}", subtitle)
set style data histograms
set style histogram clustered gap 1.5
set style fill solid 0.85 border -1
set boxwidth 0.9
set key outside top center horizontal box lc rgb "#cccccc"
set grid ytics
set ylabel "x r-fou (of the family)"
set yrange [0:*]
set offsets 0, 0, graph 0.12, 0
set xtics scale 0 font ",9" noenhanced
set bmargin 4
stats datafile every ::1 using (1) nooutput
set xrange [-0.6:STATS_records - 0.4]
set key autotitle columnheader

# The reference (1.0x) and the goal for routed semnet on bulk and rr
# (0.95x; 0.92x on crr).
set arrow 1 from graph 0, first 1.0 to graph 1, first 1.0 nohead dt 2 lw 1.5 lc rgb "#444444" front
set arrow 2 from graph 0, first 0.95 to graph 1, first 0.95 nohead dt 3 lw 1.5 lc rgb "#aa0000" front

# Bar i of cluster n sits at n + (i - 2.5) / 5.5 with 4 bars a cluster
# and gap 1.5 (clusters are 5.5 bar widths apart).
off(i) = (i - 2.5) / 5.5
lab(v) = (v == v) ? sprintf("%.2f", v) : ""
# Tick labels on two lines: the datapath and the topology.
tic(s) = (strstrt(s, "|") > 0) ? s[1:strstrt(s, "|") - 1] . "\n" . s[strstrt(s, "|") + 1:] : s
# A case without numbers (n/a, failed) says so where its bars would be.
none(s) = (s eq "NaN") ? "not measured" : ""

plot datafile using 2:xtic(tic(strcol(1))) title "bulk (iperf3)" lc rgb "#1f77b4", \
	'' using 3 title "rr (1-byte trans/s)" lc rgb "#ff7f0e", \
	'' using 4 title "crr (new conn/s)" lc rgb "#2ca02c", \
	'' using 5 title "http (keep-alive req/s)" lc rgb "#9467bd", \
	'' using ($0 + off(1)):2:(lab($2)) with labels rotate by 90 left offset 0,0.3 font ",7" notitle, \
	'' using ($0 + off(2)):3:(lab($3)) with labels rotate by 90 left offset 0,0.3 font ",7" notitle, \
	'' using ($0 + off(3)):4:(lab($4)) with labels rotate by 90 left offset 0,0.3 font ",7" notitle, \
	'' using ($0 + off(4)):5:(lab($5)) with labels rotate by 90 left offset 0,0.3 font ",7" notitle, \
	'' using 0:(0):(none(strcol(2))) with labels offset 0,1 font ",10" tc rgb "#666666" notitle, \
	NaN with lines dt 3 lw 1.5 lc rgb "#aa0000" title "goal for routed semnet: 0.95x"
