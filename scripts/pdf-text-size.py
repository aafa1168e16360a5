#!/usr/bin/env python3
"""Checks the printed summary: every character of the PDF LibreOffice made is at least MIN pt
(A4 landscape), and the workbook holds its Excel Tables and charts.

    python3 scripts/pdf-text-size.py summary.pdf summary.xlsx [--min 8]

Prints the smallest and the median size per sheet (the footer names each page's sheet) and
exits 1 when a page has smaller type or a Table or chart is missing.
"""
import statistics
import sys
import zipfile

from pdfminer.high_level import extract_pages
from pdfminer.layout import LTChar

TABLES = {"Projects": "汇总", "Indicators": "指标", "Findings": "问题"}


def chars(item):
    if isinstance(item, LTChar):
        yield item
    elif hasattr(item, "__iter__"):
        for child in item:
            yield from chars(child)


def main():
    args = sys.argv[1:]
    minimum = 8.0
    if "--min" in args:
        i = args.index("--min")
        minimum = float(args[i + 1])
        del args[i : i + 2]
    pdf, xlsx = args
    failed = False
    per_sheet = {}
    for number, page in enumerate(extract_pages(pdf), 1):
        found = [c for c in chars(page) if c.get_text().strip()]
        if not found:
            continue
        # The footer (within half an inch of the page's foot, left) is the sheet's name.
        footer = "".join(c.get_text() for c in sorted(found, key=lambda c: c.x0)
                         if c.y0 < 36 and c.x0 < page.width / 3).strip()
        sizes = [c.size for c in found]
        per_sheet.setdefault(footer or "?", []).extend(sizes)
        if min(sizes) < minimum:
            print(f"pdf-text-size: page {number} ({footer}) has {min(sizes):.2f} pt type, "
                  f"less than {minimum} pt", file=sys.stderr)
            failed = True
    for sheet, sizes in per_sheet.items():
        print(f"pdf-text-size: {sheet}: smallest {min(sizes):.2f} pt, "
              f"median {statistics.median(sizes):.2f} pt")

    with zipfile.ZipFile(xlsx) as z:
        names = z.namelist()
        tables = [z.read(n).decode() for n in names if n.startswith("xl/tables/")]
        for table, sheet in TABLES.items():
            if not any(f' name="{table}"' in t for t in tables):
                print(f"pdf-text-size: {sheet} is no Excel Table ({table})", file=sys.stderr)
                failed = True
        charts = [n for n in names if n.startswith("xl/charts/chart")]
        if len(charts) < 2:
            print(f"pdf-text-size: {len(charts)} charts in the workbook, 2 expected",
                  file=sys.stderr)
            failed = True
        else:
            print(f"pdf-text-size: {len(tables)} Tables and {len(charts)} charts in the workbook")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
