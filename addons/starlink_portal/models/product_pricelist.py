from odoo import api, models, tools


class ProductPricelist(models.Model):
    """Whether a company has an active pricelist, cached between requests: the portal looks
    up a client's pricelist to price his plan (four queries) only when he can have one
    (``starlink.service.line._compute_portal_fee``)."""

    _inherit = "product.pricelist"

    @api.model
    @tools.ormcache("company_id")
    def _starlink_portal_has_pricelist(self, company_id):
        domain = self._get_partner_pricelist_multi_search_domain_hook(company_id)
        return bool(self.sudo().search_count(domain, limit=1))

    @api.model_create_multi
    def create(self, vals_list):
        pricelists = super().create(vals_list)
        self.env.registry.clear_cache()
        return pricelists

    def write(self, vals):
        result = super().write(vals)
        if {"active", "company_id"} & vals.keys():
            self.env.registry.clear_cache()
        return result

    def unlink(self):
        result = super().unlink()
        self.env.registry.clear_cache()
        return result
