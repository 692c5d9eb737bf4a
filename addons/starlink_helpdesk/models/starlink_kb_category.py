from odoo import api, fields, models


class StarlinkKbCategory(models.Model):
    """A chapter of the knowledge base that clients read in the portal (/my/help)."""

    _name = "starlink.kb.category"
    _description = "Knowledge Base Category"
    _order = "sequence, name, id"
    _check_company_auto = True

    name = fields.Char(required=True, translate=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    description = fields.Char(translate=True, help="One sentence shown under the name.")
    icon = fields.Char(
        default="fa-life-ring",
        help="Font Awesome icon shown in the portal, e.g. fa-wifi, fa-tree, fa-credit-card.",
    )
    company_id = fields.Many2one(
        "res.company",
        index=True,
        help="Leave empty to share the category with every company.",
    )
    article_ids = fields.One2many("starlink.kb.article", "category_id", string="Articles")
    article_count = fields.Integer(compute="_compute_article_count", string="Article Count")
    published_count = fields.Integer(compute="_compute_article_count", string="Published")

    @api.depends("article_ids.is_published")
    def _compute_article_count(self):
        counts = {
            (category.id, published): count
            for category, published, count in self.env["starlink.kb.article"]._read_group(
                [("category_id", "in", self.ids)], ["category_id", "is_published"], ["__count"]
            )
        }
        for category in self:
            published = counts.get((category.id, True), 0)
            category.published_count = published
            category.article_count = published + counts.get((category.id, False), 0)

    def action_open_articles(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "starlink_helpdesk.starlink_kb_article_action"
        )
        action["domain"] = [("category_id", "=", self.id)]
        action["context"] = {"default_category_id": self.id}
        return action
