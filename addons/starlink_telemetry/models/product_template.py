import logging

from odoo import api, models

_logger = logging.getLogger(__name__)


class ProductTemplate(models.Model):
    _inherit = "product.template"

    @api.model
    def _starlink_sync_products(self, account, products):
        """Create or update plans from Starlink ``SubscriptionProductResponse`` objects.

        New plans get Starlink's price as cost and as a first sales price; afterwards the
        reseller's own prices are left alone, only the name and data limit follow Starlink.
        Returns ``(records, errors, message)``.
        """
        existing = {
            plan.starlink_product_reference: plan
            for plan in self.with_context(active_test=False).search(
                [("is_starlink_plan", "=", True), ("starlink_product_reference", "!=", False)]
            )
        }
        count, errors = 0, []
        for product in products:
            reference = product.get("productReferenceId") if isinstance(product, dict) else None
            if not reference:
                errors.append(f"product without productReferenceId: {str(product)[:80]}")
                continue
            values = {
                "name": product.get("name") or reference,
                "starlink_data_limit_gb": self._starlink_data_limit(product),
            }
            plan = existing.get(reference)
            if plan:
                plan.write(values)
            else:
                price = float(product.get("price") or 0.0)
                existing[reference] = self.create(
                    dict(
                        values,
                        type="service",
                        is_starlink_plan=True,
                        starlink_product_reference=reference,
                        standard_price=price,
                        list_price=price,
                        company_id=False,
                    )
                )
            count += 1
        if errors:
            _logger.warning(
                "Starlink products of %s: %d skipped", account.display_name, len(errors)
            )
        return count, len(errors), "; ".join(errors[:5])

    @api.model
    def _starlink_data_limit(self, product):
        blocks = (product.get("dataProducts") or {}).get("dataBlockProducts") or []
        total = 0.0
        for block in blocks:
            amount = float(block.get("dataAmount") or 0.0)
            total += amount * 1024 if (block.get("dataUnit") or "GB").upper() == "TB" else amount
        return total
