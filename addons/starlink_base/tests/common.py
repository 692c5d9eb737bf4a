from datetime import date

from odoo.tests import TransactionCase, new_test_user


class StarlinkCase(TransactionCase):
    """Two companies, each with a Starlink account, a plan, two clients and their lines."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company = cls.env["res.company"].create({"name": "Reseller A"})
        cls.other_company = cls.env["res.company"].create({"name": "Reseller B"})
        cls.plan = cls.env["product.product"].create(
            {
                "name": "Test Plan 100 GB",
                "type": "service",
                "is_starlink_plan": True,
                "starlink_data_limit_gb": 100.0,
                "starlink_overage_price_gb": 2.0,
                "list_price": 120.0,
            }
        )
        cls.account = cls._create_account(cls.company, "ACC-A")
        cls.other_account = cls._create_account(cls.other_company, "ACC-B")
        cls.client = cls.env["res.partner"].create(
            {"name": "Client One", "is_company": True, "company_id": cls.company.id}
        )
        cls.client_contact = cls.env["res.partner"].create(
            {"name": "Contact One", "parent_id": cls.client.id}
        )
        cls.other_client = cls.env["res.partner"].create(
            {"name": "Client Two", "is_company": True, "company_id": cls.company.id}
        )
        cls.line = cls._create_line(cls.account, cls.client, "SL-A-1")
        cls.other_line = cls._create_line(cls.account, cls.other_client, "SL-A-2")
        cls.foreign_line = cls._create_line(cls.other_account, False, "SL-B-1")
        cls.terminal = cls._create_terminal(cls.line, "UT-A-1")
        cls.other_terminal = cls._create_terminal(cls.other_line, "UT-A-2")
        cls.foreign_terminal = cls._create_terminal(cls.foreign_line, "UT-B-1")
        Usage = cls.env["starlink.usage.daily"]
        cls.usage = Usage.create({"service_line_id": cls.line.id, "date": date(2026, 3, 1)})
        cls.other_usage = Usage.create(
            {"service_line_id": cls.other_line.id, "date": date(2026, 3, 1)}
        )
        cls.foreign_usage = Usage.create(
            {"service_line_id": cls.foreign_line.id, "date": date(2026, 3, 1)}
        )

    @classmethod
    def _create_account(cls, company, number):
        return cls.env["starlink.account"].create(
            {
                "name": f"Account {number}",
                "account_number": number,
                "company_id": company.id,
                "client_id": f"client-{number}",
                "client_secret": f"secret-{number}",
            }
        )

    @classmethod
    def _create_line(cls, account, partner, number, **values):
        return cls.env["starlink.service.line"].create(
            {
                "service_line_number": number,
                "account_id": account.id,
                "company_id": account.company_id.id,
                "partner_id": partner and partner.id,
                "product_id": cls.plan.id,
                **values,
            }
        )

    @classmethod
    def _create_terminal(cls, line, terminal_id):
        return cls.env["starlink.terminal"].create(
            {
                "user_terminal_id": terminal_id,
                "service_line_id": line.id,
                "account_id": line.account_id.id,
                "company_id": line.company_id.id,
            }
        )

    @classmethod
    def _user(cls, login, groups, company=None, **values):
        company = company or cls.company
        return new_test_user(
            cls.env,
            login=login,
            groups=groups,
            company_id=company.id,
            company_ids=[company.id],
            **values,
        )
