import logging

from odoo import api, models

from .cron_utils import error_text, run_in_batches

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
        valid, errors = [], []
        for product in products:
            reference = product.get("productReferenceId") if isinstance(product, dict) else None
            if reference:
                valid.append(product)
            else:
                errors.append(f"product without productReferenceId: {str(product)[:80]}")

        def sync(batch):
            for product in batch:
                reference = product["productReferenceId"]
                plan = self._starlink_sync_plan(product, existing.get(reference))
                self.env.flush_all()  # a failing write fails here, inside its savepoint
                existing[reference] = plan

        # One savepoint per plan: a plan whose write fails never stops the others. The
        # caller (the account's sync step) owns the transaction: no commit here.
        run = run_in_batches(
            self.env, valid, sync, batch_size=1, commit=False, logger=_logger,
            describe=lambda product: product["productReferenceId"],
            what=f"Starlink plan of {account.display_name}:",
        )  # fmt: skip
        errors += [
            f"{product['productReferenceId']}: {error_text(error)}" for product, error in run.failed
        ]
        if errors:
            _logger.warning(
                "Starlink products of %s: %d skipped", account.display_name, len(errors)
            )
        return len(run.done), len(errors), "; ".join(errors[:5])

    @api.model
    def _starlink_sync_plan(self, product, plan):
        """Create or update the plan of one ``SubscriptionProductResponse``; return it."""
        values = self._prepare_starlink_plan_values(product)
        if plan:
            plan.write(values)
            return plan
        price = float(product.get("price") or 0.0)
        return self.create(
            dict(
                values,
                type="service",
                is_starlink_plan=True,
                starlink_product_reference=product["productReferenceId"],
                standard_price=price,
                list_price=price,
                company_id=False,
            )
        )

    @api.model
    def _prepare_starlink_plan_values(self, product):
        """What follows Starlink on every sync: the name and the data limit."""
        values = {"name": product.get("name") or product["productReferenceId"]}
        # The usage answers' servicePlan.usageLimitGB fills the limit when the product
        # has no data block: an unknown limit (0) never erases a known one.
        limit = self._starlink_data_limit(product)
        if limit:
            values["starlink_data_limit_gb"] = limit
        return values

    @api.model
    def _starlink_data_limit(self, product):
        blocks = (product.get("dataProducts") or {}).get("dataBlockProducts") or []
        total = 0.0
        for block in blocks:
            amount = float(block.get("dataAmount") or 0.0)
            total += amount * 1024 if (block.get("dataUnit") or "GB").upper() == "TB" else amount
        return total
