"""Read an Odoo test log: print the test counts and every problem line.

Exit status 1 when the log has an ERROR or CRITICAL line, a WARNING line not in the short
ignore list below, or no test summary. Used by tools/test.sh; prints ``passed failed`` counts
on its last line for the caller.
"""

import re
import sys

LINE = re.compile(
    r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d+ \d+ "
    r"(?P<level>[A-Z]+) (?P<db>\S+) (?P<logger>\S+): (?P<msg>.*)"
)
SUMMARY = re.compile(r"(\d+) failed, (\d+) error\(s\) of (\d+) tests when loading database")

# Known third-party warnings that say nothing about the suite.
IGNORED_WARNINGS = [
    # Odoo warns once when run as root (CI and containers run as root).
    re.compile(r"Running as user 'root' is a security risk"),
    # Debian's unpatched wkhtmltopdf ignores header/footer HTML on every render.
    re.compile(r"wkhtmltopdf.*(header|footer)|--header-html|--footer-html", re.I),
]


def main(path):
    problems, summary = [], None
    with open(path, encoding="utf-8", errors="replace") as log:
        for raw in log:
            match = LINE.match(raw)
            if not match:
                continue
            level, msg = match["level"], match["msg"]
            found = SUMMARY.search(msg)
            if found:
                summary = tuple(int(x) for x in found.groups())
                continue
            if level in ("ERROR", "CRITICAL") or (
                level == "WARNING" and not any(p.search(msg) for p in IGNORED_WARNINGS)
            ):
                problems.append(raw.rstrip())
    for line in problems:
        print(f"LOG {line[:400]}")
    if summary is None:
        print("no test summary in the Odoo log (install error?)")
        print("0 1")
        return 1
    failed = summary[0] + summary[1]
    # Odoo counts failed subtests one by one but tests once: passed never goes below 0
    print(f"{max(summary[2] - failed, 0)} {failed}")
    return 1 if problems or failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
