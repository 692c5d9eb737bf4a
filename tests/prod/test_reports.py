"""PDF reports behind the proxy: wkhtmltopdf reads the report's styles from Odoo itself
(``report.url``, set by `make prod`), not through nginx's TLS with its self-signed
certificate, where they would not load and the PDF would come out without its layout."""

from .conftest import ROOT


def test_line_report_pdf_through_the_proxy_has_its_styles(prod):
    assert prod.psql("SELECT value FROM ir_config_parameter WHERE key = 'report.url'") == (
        f"http://127.0.0.1:{prod.odoo_port}"
    )
    login, session = prod.portal_login()
    line_id = prod.psql(
        f"""SELECT l.id FROM starlink_service_line l
              JOIN res_partner p ON p.id = l.partner_id
              JOIN res_users u ON u.login = '{login}'
              JOIN res_partner up ON up.id = u.partner_id
             WHERE p.commercial_partner_id = up.commercial_partner_id AND l.state = 'active'
             ORDER BY l.id LIMIT 1"""
    )
    assert line_id, "the demo portal user has no active line"
    log = ROOT / ".local" / "log" / f"prod-{prod.db}.log"
    start = log.stat().st_size
    answer = session.get(f"{prod.https}/my/starlink/lines/{line_id}/report.pdf", timeout=120)
    assert answer.status_code == 200, answer.text[:300]
    assert answer.content.startswith(b"%PDF")
    with log.open(encoding="utf-8", errors="replace") as handle:
        handle.seek(start)
        rendered = handle.read()
    # wkhtmltopdf says so when a style sheet or an image of the page could not be loaded
    assert "network error" not in rendered, rendered[-2000:]
