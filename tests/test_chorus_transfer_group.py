"""« Chorus Pro Transfer » is a normal option of the user form (Accounting section), without debug mode."""

from odoo.tests import Form, tagged

from .common import ChorusSandboxCase


@tagged("post_install", "-at_install")
class TestTransferGroupInUserForm(ChorusSandboxCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.group = cls.env.ref("l10n_fr_chorus_pro.group_l10n_fr_chorus_transfer")
        # an administrator without debug mode (no « Technical Features »)
        cls.admin = cls.make_user("chorus_setup_admin", "base.group_system,account.group_account_manager")
        cls.accountant = cls.make_user("chorus_setup_accountant", "account.group_account_invoice")

    def test_the_group_has_its_own_category_under_accounting(self):
        category = self.group.category_id
        self.assertEqual(category, self.env.ref("l10n_fr_chorus_pro.module_category_l10n_fr_chorus"))
        self.assertEqual(category.parent_id, self.env.ref("base.module_category_accounting"))
        [(_app, kind, groups, section)] = [entry for entry in self.env["res.groups"].get_groups_by_application()
                                          if entry[0] == category]
        self.assertEqual((kind, groups, section[1]), ("selection", self.group, "Accounting"))

    def test_set_from_the_user_form_without_debug(self):
        self.assertFalse(self.admin.has_group("base.group_no_one"))
        field = f"sel_groups_{self.group.id}"
        with Form(self.accountant.with_user(self.admin), view="base.view_users_form") as form:
            self.assertIn(field, form._view["fields"])
            node = form._view["tree"].find(f".//field[@name='{field}']")
            self.assertIsNotNone(node, "the option is in the form for an administrator without debug mode")
            form[field] = self.group.id
        self.assertTrue(self.accountant.has_group("l10n_fr_chorus_pro.group_l10n_fr_chorus_transfer"))
        self.assertTrue(self.accountant.has_group("account.group_account_invoice"))
        with Form(self.accountant.with_user(self.admin), view="base.view_users_form") as form:
            self.assertEqual(form[field], self.group.id)
            form[field] = False
        self.assertFalse(self.accountant.has_group("l10n_fr_chorus_pro.group_l10n_fr_chorus_transfer"))
