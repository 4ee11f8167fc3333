#!/bin/sh
# screenshot.sh TEST_REPORT_HTML: the HTML report in headless Chromium.
#
# 1. test_report_html writes the full synthetic report.
# 2. A test-only copy of the page gets a script (the report itself has
#    none) that measures the layout and writes its findings into the DOM;
#    `chromium --dump-dom` prints them.  Required: the page is no wider
#    than the window, every chart has a size, stays inside the page and has
#    drawn content, no text of a chart falls outside its SVG, and no table
#    cell, code or heading is wider than its box.
# 3. A screenshot of the whole page, and test_report_html checks its pixels
#    (charts' colours present, nothing in the bands beside the column).
#
# Exit 77 when chromium (Debian's chromium package) or gnuplot is missing.
# KEEP_SCREENSHOT=FILE keeps the screenshot.
set -u

prog=$1
chromium=$(command -v chromium || command -v chromium-browser || true)
if [ -z "$chromium" ]; then
	echo "SKIP chromium is not installed (apt-get install chromium)"
	exit 77
fi
if ! command -v gnuplot >/dev/null 2>&1; then
	echo "SKIP gnuplot is not installed (apt-get install gnuplot-nox)"
	exit 77
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/test-html-shot.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT

"$prog" write "$tmp/out" || { echo "FAIL test_report_html write"; exit 1; }

run_chromium() {
	# no network, no profile, no GPU: a hermetic renderer
	timeout 120 "$chromium" --headless --no-sandbox --disable-gpu --disable-quic \
		--no-first-run --disable-background-networking --disable-component-update \
		--disable-sync --disable-extensions --hide-scrollbars --mute-audio \
		--user-data-dir="$tmp/profile" --virtual-time-budget=5000 "$@" 2>>"$tmp/chromium.err"
}

cat >"$tmp/probe.js" <<'EOF'
<script>
window.addEventListener('load', function () {
	var out = [], W = window.innerWidth, main = document.querySelector('main');
	var mr = main.getBoundingClientRect(), bad = 0, over = 0, textout = 0;
	out.push('innerWidth=' + W);
	out.push('scrollWidth=' + document.documentElement.scrollWidth);
	out.push('height=' + document.documentElement.scrollHeight);
	var svgs = document.querySelectorAll('svg.chart');
	out.push('charts=' + svgs.length);
	svgs.forEach(function (s, i) {
		var r = s.getBoundingClientRect();
		if (!(r.width > 300 && r.height > 150)) { bad++; out.push('chart ' + i + ' is ' + r.width + 'x' + r.height); }
		if (r.left < mr.left - 1 || r.right > mr.right + 1) { bad++; out.push('chart ' + i + ' outside the page'); }
		if (s.querySelectorAll('path').length < 20 || s.querySelectorAll('text').length < 5) { bad++; out.push('chart ' + i + ' has no content'); }
		s.querySelectorAll('text').forEach(function (t) {
			var q = t.getBoundingClientRect();
			if (q.width > 0 && (q.left < r.left - 1 || q.right > r.right + 1 || q.top < r.top - 1 || q.bottom > r.bottom + 1)) {
				textout++;
				if (textout < 5) out.push('chart ' + i + ' text outside: ' + t.textContent);
			}
		});
	});
	main.querySelectorAll('*').forEach(function (e) {
		if (e.closest('svg')) return;
		var q = e.getBoundingClientRect();
		if (q.width == 0 && q.height == 0) return; /* <wbr>, empty spans */
		var wide = q.left < mr.left - 1 || q.right > mr.right + 1 || e.scrollWidth > e.clientWidth + 1 && /^(TD|TH|CODE|PRE|P|LI|H1|H2|H3|FIGCAPTION|TABLE)$/.test(e.tagName);
		if (wide) { over++; if (over < 5) out.push('overflow: ' + e.tagName + ' ' + (e.textContent || '').slice(0, 40)); }
	});
	out.push('badcharts=' + bad, 'textout=' + textout, 'overflow=' + over);
	var p = document.createElement('pre');
	p.id = 'probe';
	p.textContent = '\n' + out.join('\n') + '\n';
	document.body.appendChild(p);
});
</script>
EOF
# the copy: the probe just before </body>
awk -v probe="$tmp/probe.js" '/<\/body>/ { while ((getline l < probe) > 0) print l } { print }' \
	"$tmp/out/report.html" >"$tmp/out/probe.html"
grep -q '<script>' "$tmp/out/probe.html" || { echo "FAIL probe not inserted"; exit 1; }

run_chromium --window-size=1280,2000 --dump-dom "file://$tmp/out/probe.html" >"$tmp/dom.html"
sed -n '/<pre id="probe">/,/<\/pre>/p' "$tmp/dom.html" | sed -e 's/<[^>]*>//g' >"$tmp/probe.txt"
if ! grep -q '^overflow=' "$tmp/probe.txt"; then
	echo "FAIL the probe did not run in chromium"
	tail -n 5 "$tmp/chromium.err"
	exit 1
fi
cat "$tmp/probe.txt"
rc=0
val() { sed -n "s/^$1=//p" "$tmp/probe.txt"; }
[ "$(val scrollWidth)" -le "$(val innerWidth)" ] || { echo "FAIL the page is wider than the window"; rc=1; }
[ "$(val charts)" = 6 ] || { echo "FAIL $(val charts) charts, expected 6"; rc=1; }
[ "$(val badcharts)" = 0 ] || { echo "FAIL charts without size or content"; rc=1; }
[ "$(val textout)" = 0 ] || { echo "FAIL chart text outside its chart"; rc=1; }
[ "$(val overflow)" = 0 ] || { echo "FAIL elements overflow their box"; rc=1; }

# the screenshot of the whole page (the report itself, not the probe copy)
height=$(val height)
[ "$height" -gt 1000 ] 2>/dev/null || height=8000
run_chromium --window-size=1280,"$height" --screenshot="$tmp/shot.png" \
	"file://$tmp/out/report.html" >/dev/null
if [ ! -s "$tmp/shot.png" ]; then
	echo "FAIL no screenshot"
	tail -n 5 "$tmp/chromium.err"
	exit 1
fi
[ -n "${KEEP_SCREENSHOT:-}" ] && cp "$tmp/shot.png" "$KEEP_SCREENSHOT"
"$prog" png "$tmp/shot.png"
prc=$?
if [ "$prc" = 77 ]; then
	echo "(pixel checks skipped: built without zlib)"
elif [ "$prc" != 0 ]; then
	rc=1
fi
[ "$rc" = 0 ] && echo ok
exit "$rc"
