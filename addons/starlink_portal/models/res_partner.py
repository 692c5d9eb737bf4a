from odoo import Command, models

from ..lib.requests import muted_rules


class ResPartner(models.Model):
    """The client's alert mail preferences, as edited in the portal.

    They are the client's (commercial entity's) fields the alert mails already honour
    (``starlink.alert._client_wants_mail``): ``starlink_alert_mail`` switches the mails on or
    off, ``starlink_muted_rule_ids`` lists the kinds of alert not mailed. Every portal user of
    the client sees and edits the same preferences, as the mails go to the client.
    """

    _inherit = "res.partner"

    def _starlink_portal_alert_rules(self):
        """The kinds of alert (rules) the client may be mailed about: active rules that tell
        clients, of a company the client has service lines in (or of every company)."""
        self.ensure_one()
        client = self.commercial_partner_id
        companies = (
            self.env["starlink.service.line"]
            .sudo()
            .search([("partner_id.commercial_partner_id", "=", client.id)])
            .company_id
        )
        rules = (
            self.env["starlink.alert.rule"]
            .sudo()
            .search(
                [
                    ("notify_client", "=", True),
                    ("company_id", "in", [False, *companies.ids]),
                ],
                order="threshold, id",
            )
        )
        # Data first, then the terminals, as a client reads them.
        kinds = [kind for kind, _label in rules._fields["rule_type"].selection]
        return rules.sorted(lambda rule: kinds.index(rule.rule_type))

    def _starlink_portal_alert_preferences(self):
        """``{"mail": bool, "rules": [(rule, mailed)], "email": str}`` of the client."""
        self.ensure_one()
        client = self.commercial_partner_id.sudo()
        muted = client.starlink_muted_rule_ids
        return {
            "mail": client.starlink_alert_mail,
            "rules": [(rule, rule not in muted) for rule in self._starlink_portal_alert_rules()],
            "email": client.email or "",
        }

    def _starlink_portal_save_alert_preferences(self, mail, wanted_rule_ids):
        """Save what the client chose in the portal: mails on or off, and the rules mailed
        among those offered (rules muted otherwise, or not offered, are left as they are)."""
        self.ensure_one()
        client = self.commercial_partner_id.sudo()
        offered = self._starlink_portal_alert_rules()
        muted = muted_rules(offered.ids, wanted_rule_ids, client.starlink_muted_rule_ids.ids)
        client.write(
            {
                "starlink_alert_mail": bool(mail),
                "starlink_muted_rule_ids": [Command.set(sorted(muted))],
            }
        )
        client.message_post(
            body=self.env._("Alert mail preferences changed in the portal by %s.", self.name),
            subtype_xmlid="mail.mt_note",
        )
