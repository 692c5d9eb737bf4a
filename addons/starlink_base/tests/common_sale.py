from odoo import Command
from odoo.tests import TransactionCase


class StarlinkSaleCase(TransactionCase):
    """A reseller company with a warehouse, a Starlink account, a kit, a plan and a client."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company = cls.env["res.company"].create({"name": "Reseller Kits"})
        cls.env = cls.env(context=dict(cls.env.context, allowed_company_ids=[cls.company.id]))
        cls.account = cls.env["starlink.account"].create(
            {"name": "Kits Account", "account_number": "ACC-KITS", "company_id": cls.company.id}
        )
        cls.warehouse = cls.env["stock.warehouse"].search(
            [("company_id", "=", cls.company.id)], limit=1
        )
        cls.stock_location = cls.warehouse.lot_stock_id
        cls.shelf = cls.env["stock.location"].create(
            {"name": "Shelf K", "location_id": cls.stock_location.id, "usage": "internal"}
        )
        cls.customer_location = cls.env.ref("stock.stock_location_customers")
        cls.supplier_location = cls.env.ref("stock.stock_location_suppliers")
        cls.kit = cls.env["product.product"].create(
            {
                "name": "Test Kit",
                "type": "consu",
                "is_storable": True,
                "tracking": "serial",
                "is_starlink_kit": True,
                "list_price": 349.0,
            }
        )
        cls.plan = cls.env["product.product"].create(
            {
                "name": "Test Plan 100 GB",
                "type": "service",
                "is_starlink_plan": True,
                "starlink_product_reference": "TEST-100",
                "starlink_data_limit_gb": 100.0,
                "list_price": 120.0,
            }
        )
        cls.installation = cls.env["product.product"].create(
            {"name": "Test Installation", "type": "service", "list_price": 150.0}
        )
        cls.client = cls.env["res.partner"].create(
            {"name": "Client Kits", "is_company": True, "city": "Bozeman"}
        )
        cls.site = cls.env["res.partner"].create(
            {
                "name": "North Barn",
                "type": "delivery",
                "parent_id": cls.client.id,
                "street": "1 Barn Road",
                "city": "Livingston",
                "zip": "59047",
            }
        )

    # ------------------------------------------------------------------ helpers

    @classmethod
    def _receive(cls, serials, source=None, env=None):
        """Validate an incoming transfer of the kits ``serials``; returns the picking."""
        env = env or cls.env
        source = source or cls.supplier_location
        lots = env["stock.lot"].search([("name", "in", serials), ("product_id", "=", cls.kit.id)])
        picking = env["stock.picking"].create(
            {
                "picking_type_id": cls.warehouse.in_type_id.id,
                "location_id": source.id,
                "location_dest_id": cls.stock_location.id,
                "move_ids": [
                    Command.create(
                        {
                            "name": cls.kit.name,
                            "product_id": cls.kit.id,
                            "product_uom_qty": len(serials),
                            "product_uom": cls.kit.uom_id.id,
                            "location_id": source.id,
                            "location_dest_id": cls.stock_location.id,
                        }
                    )
                ],
            }
        )
        by_name = {lot.name: lot for lot in lots}
        env["stock.move.line"].create(
            [
                {
                    "move_id": picking.move_ids.id,
                    "picking_id": picking.id,
                    "product_id": cls.kit.id,
                    "product_uom_id": cls.kit.uom_id.id,
                    "location_id": source.id,
                    "location_dest_id": cls.stock_location.id,
                    "lot_id": by_name[serial].id if serial in by_name else False,
                    "lot_name": False if serial in by_name else serial,
                    "quantity": 1,
                    "picked": True,
                }
                for serial in serials
            ]
        )
        picking.button_validate()
        return picking

    @classmethod
    def _deliver(cls, picking, serials, env=None):
        """Validate ``picking`` (a delivery) with the kits ``serials``."""
        env = env or cls.env
        picking = picking.with_env(env)
        lots = env["stock.lot"].search([("name", "in", serials), ("product_id", "=", cls.kit.id)])
        picking.do_unreserve()
        move = picking.move_ids.filtered(lambda m: m.product_id == cls.kit)
        env["stock.move.line"].create(
            [
                {
                    "move_id": move.id,
                    "picking_id": picking.id,
                    "product_id": cls.kit.id,
                    "product_uom_id": cls.kit.uom_id.id,
                    "location_id": move.location_id.id,
                    "location_dest_id": move.location_dest_id.id,
                    "lot_id": lot.id,
                    "quantity": 1,
                    "picked": True,
                }
                for lot in lots
            ]
        )
        return picking.button_validate()

    @classmethod
    def _ship_to_customer(cls, serials):
        """A delivery of ``serials`` outside any sale order; returns the picking."""
        picking = cls.env["stock.picking"].create(
            {
                "picking_type_id": cls.warehouse.out_type_id.id,
                "location_id": cls.stock_location.id,
                "location_dest_id": cls.customer_location.id,
                "partner_id": cls.client.id,
                "move_ids": [
                    Command.create(
                        {
                            "name": cls.kit.name,
                            "product_id": cls.kit.id,
                            "product_uom_qty": len(serials),
                            "product_uom": cls.kit.uom_id.id,
                            "location_id": cls.stock_location.id,
                            "location_dest_id": cls.customer_location.id,
                        }
                    )
                ],
            }
        )
        picking.action_confirm()
        cls._deliver(picking, serials)
        return picking

    def _terminal(self, serial):
        return (
            self.env["starlink.terminal"]
            .with_context(active_test=False)
            .search([("lot_id.name", "=", serial), ("lot_id.product_id", "=", self.kit.id)])
        )

    def _order(self, plan_qty=1, env=None, partner=None):
        """A quotation from an opportunity: a kit, ``plan_qty`` plans and the installation."""
        env = env or self.env
        lead = env["crm.lead"].create(
            {"name": "Starlink for the barn", "type": "opportunity", "partner_id": self.client.id}
        )
        context = lead.action_new_quotation()["context"]
        order = (
            env["sale.order"]
            .with_context(**context)
            .create(
                {
                    "partner_shipping_id": (partner or self.site).id,
                    "order_line": [
                        Command.create({"product_id": self.kit.id, "product_uom_qty": 1}),
                        Command.create({"product_id": self.plan.id, "product_uom_qty": plan_qty}),
                        Command.create({"product_id": self.installation.id}),
                    ],
                }
            )
        )
        self.assertEqual(order.opportunity_id, lead)
        return order

    @classmethod
    def _move(cls, serials, source, destination):
        """Move the kits ``serials`` from ``source`` to ``destination`` (no operation type)."""
        lots = cls.env["stock.lot"].search(
            [("name", "in", serials), ("product_id", "=", cls.kit.id)]
        )
        move = cls.env["stock.move"].create(
            {
                "name": cls.kit.name,
                "product_id": cls.kit.id,
                "product_uom_qty": len(serials),
                "product_uom": cls.kit.uom_id.id,
                "location_id": source.id,
                "location_dest_id": destination.id,
            }
        )
        move._action_confirm()
        move.move_line_ids.unlink()
        cls.env["stock.move.line"].create(
            [
                {
                    "move_id": move.id,
                    "product_id": cls.kit.id,
                    "product_uom_id": cls.kit.uom_id.id,
                    "location_id": source.id,
                    "location_dest_id": destination.id,
                    "lot_id": lot.id,
                    "quantity": 1,
                    "picked": True,
                }
                for lot in lots
            ]
        )
        move.picked = True
        move._action_done()
        return move
