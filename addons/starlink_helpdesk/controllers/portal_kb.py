"""Portal: the knowledge base (/my/help), read as the client: the record rule shows him
published articles only (of his company or shared); no sudo here."""

from odoo import http
from odoo.addons.portal.controllers.portal import CustomerPortal
from odoo.addons.portal.controllers.portal import pager as portal_pager
from odoo.http import request
from odoo.osv import expression

HELP_URL = "/my/help"


class StarlinkKnowledgePortal(CustomerPortal):
    _starlink_help_per_page = 20
    _starlink_help_related_limit = 5

    def _prepare_home_portal_values(self, counters):
        values = super()._prepare_home_portal_values(counters)
        if "starlink_kb_article_count" in counters:
            Article = request.env["starlink.kb.article"]
            values["starlink_kb_article_count"] = (
                Article.search_count([("is_published", "=", True)])
                if Article.has_access("read")
                else 0
            )
        return values

    def _starlink_help_domain(self, category=None, search=None):
        domain = [("is_published", "=", True)]
        if category:
            domain = expression.AND([domain, [("category_id", "=", category.id)]])
        if search:
            domain = expression.AND(
                [
                    domain,
                    [
                        "|", "|",
                        ("name", "ilike", search),
                        ("summary", "ilike", search),
                        ("body", "ilike", search),
                    ],
                ]
            )  # fmt: skip
        return domain

    def _prepare_starlink_help_values(self, page=1, category=None, search=None, **kwargs):
        Article = request.env["starlink.kb.article"]
        Category = request.env["starlink.kb.category"]
        search = (search or "").strip()
        category_id = int(category) if category and str(category).isdigit() else 0
        # Categories that have a published article the visitor may read.
        groups = Article._read_group([("is_published", "=", True)], ["category_id"], ["__count"])
        counts = {group.id: count for group, count in groups}
        categories = Category.search([("id", "in", list(counts))])
        chosen = categories.filtered(lambda c: c.id == category_id)
        domain = self._starlink_help_domain(chosen, search)
        total = Article.search_count(domain)
        url_args = {"category": chosen.id, "search": search}
        url_args = {key: value for key, value in url_args.items() if value}
        pager = portal_pager(
            url=HELP_URL, total=total, page=page, step=self._starlink_help_per_page,
            url_args=url_args,
        )  # fmt: skip
        articles = Article.search(
            domain,
            order="category_id, sequence, name, id" if not chosen else None,
            limit=self._starlink_help_per_page,
            offset=pager["offset"],
        )
        values = self._prepare_portal_layout_values()
        values.update(
            {
                "page_name": "starlink_help",
                "default_url": HELP_URL,
                "categories": categories,
                "category_counts": counts,
                "category": chosen,
                "search": search,
                "articles": articles,
                "article_count": total,
                "pager": pager,
            }
        )
        return values

    @http.route(
        [HELP_URL, f"{HELP_URL}/page/<int:page>"],
        type="http",
        auth="user",
        website=True,
        readonly=True,
    )
    def portal_starlink_help(self, **kwargs):
        values = self._prepare_starlink_help_values(**kwargs)
        return request.render("starlink_helpdesk.portal_starlink_help", values)

    @http.route(
        [f"{HELP_URL}/<int:article_id>"], type="http", auth="user", website=True, readonly=True
    )
    def portal_starlink_help_article(self, article_id, **kwargs):
        Article = request.env["starlink.kb.article"]
        # Searched as the visitor: an unpublished or another company's article is not found.
        article = Article.search([("id", "=", article_id), ("is_published", "=", True)])
        if not article:
            return request.redirect(HELP_URL)
        related = Article.search(
            [
                ("is_published", "=", True),
                ("category_id", "=", article.category_id.id),
                ("id", "!=", article.id),
            ],
            limit=self._starlink_help_related_limit,
        )
        values = self._prepare_portal_layout_values()
        values.update(
            {
                "page_name": "starlink_help_article",
                "article": article,
                "category": article.category_id,
                "related": related,
            }
        )
        return request.render("starlink_helpdesk.portal_starlink_help_article", values)
