#!/usr/bin/env bash
# Converts the summary of examples/ to PDF with LibreOffice headless (as a user would print
# it) and fails if the conversion fails, the PDF lacks a sheet, or any printed type is under
# 8 pt, or the workbook lacks its Excel Tables or charts (scripts/pdf-text-size.py). It also has LibreOffice
# recalculate every formula (合计's SUMIFS/SUM, the HYPERLINK links) and fails unless each
# result equals the value stored in the file. With --png FILE it renders the top of the first
# page (汇总) to FILE, the screenshot shown in the README:
#
#     scripts/summary-pdf.sh [--png docs/summary.png] [--keep DIR]
#
# Installs what it needs (Debian packages libreoffice-calc, poppler-utils, fonts-noto-cjk;
# pdfminer.six from PyPI) when it is missing, so that it runs on a fresh machine; CI runs it.
set -euo pipefail
cd "$(dirname "$0")/.."

png=""
keep=""
while [ $# -gt 0 ]; do
  case "$1" in
    --png) png="$2"; shift 2 ;;
    --keep) keep="$2"; shift 2 ;;
    *) echo "usage: $0 [--png FILE] [--keep DIR]" >&2; exit 2 ;;
  esac
done

need=()
command -v soffice >/dev/null 2>&1 || need+=(libreoffice-calc)
command -v pdftoppm >/dev/null 2>&1 || need+=(poppler-utils)
# Without a CJK font the PDF would show boxes instead of Chinese.
if ! { command -v fc-list >/dev/null 2>&1 && fc-list :lang=zh | grep -q .; }; then
  need+=(fonts-noto-cjk)
fi
if [ ${#need[@]} -gt 0 ]; then
  echo "installing ${need[*]}"
  sudo=""
  if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends \
    "${need[@]}" >/dev/null
fi

out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
# The examples hold error-level findings by design: a completed run is what matters here.
cargo run --release --locked -- consolidate examples/ -o "$out/summary.xlsx" --quiet --fail-on never

# A private profile: no first-run dialogs, no clash with a LibreOffice already running.
soffice --headless "-env:UserInstallation=file://$out/profile" \
  --convert-to pdf --outdir "$out" "$out/summary.xlsx" >"$out/soffice.log" 2>&1 || {
  cat "$out/soffice.log" >&2
  echo "summary-pdf: LibreOffice could not convert the summary" >&2
  exit 1
}
if [ ! -s "$out/summary.pdf" ]; then
  cat "$out/soffice.log" >&2
  echo "summary-pdf: LibreOffice wrote no PDF" >&2
  exit 1
fi

# Every sheet to CSV twice: once showing the values stored in the file, once recalculated by
# LibreOffice (OOXMLRecalcMode 1 = never, 0 = always). They must be the same.
csv='csv:Text - txt - csv (StarCalc):44,34,UTF8,1,,0,false,true,false,false,false,-1'
for mode in 0 1; do
  mkdir -p "$out/recalc$mode/user" "$out/csv$mode"
  cat >"$out/recalc$mode/user/registrymodifications.xcu" <<XCU
<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry" xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="OOXMLRecalcMode" oor:op="fuse"><value>$mode</value></prop></item>
</oor:items>
XCU
  soffice --headless "-env:UserInstallation=file://$out/recalc$mode" \
    --convert-to "$csv" --outdir "$out/csv$mode" "$out/summary.xlsx" >>"$out/soffice.log" 2>&1
done
if ! ls "$out/csv0" | grep -q '合计'; then
  cat "$out/soffice.log" >&2
  echo "summary-pdf: LibreOffice could not export the sheets" >&2
  exit 1
fi
if ! diff -r "$out/csv1" "$out/csv0" >&2; then
  echo "summary-pdf: LibreOffice recalculates other figures than the summary stores" >&2
  exit 1
fi
echo "summary-pdf: LibreOffice's recalculation equals every stored formula result"

pages=$(pdfinfo "$out/summary.pdf" | awk '/^Pages:/ {print $2}')
text=$(pdftotext "$out/summary.pdf" -)
# Every sheet prints: 汇总's first project, 合计's 总计 row, a finding code from 问题, and 说明.
for expected in "无纸化设备租赁费" "总计" "sum_mismatch" "项目绩效目标汇总 · 说明" "text_too_long" "问题按类型"; do
  if ! grep -qF "$expected" <<<"$text"; then
    echo "summary-pdf: the PDF does not show \"$expected\"" >&2
    exit 1
  fi
done
echo "summary-pdf: $pages pages, every sheet printed"

# The type as printed: every character 8 pt or more on A4 landscape (issue 17); and the
# workbook's Excel Tables and charts, read back from the file.
python3 -c "import pdfminer" 2>/dev/null ||
  python3 -m pip install --quiet --disable-pip-version-check --root-user-action=ignore pdfminer.six
python3 scripts/pdf-text-size.py "$out/summary.pdf" "$out/summary.xlsx" --min 8

if [ -n "$png" ]; then
  mkdir -p "$(dirname "$png")"
  # Page 1 is 汇总 (A4 landscape); the table fills its top part.
  pdftoppm -png -r 150 -f 1 -l 1 -x 0 -y 40 -W 1754 -H 600 -singlefile \
    "$out/summary.pdf" "${png%.png}"
  echo "summary-pdf: wrote $png"
fi
if [ -n "$keep" ]; then
  mkdir -p "$keep"
  cp "$out/summary.xlsx" "$out/summary.pdf" "$keep/"
fi
