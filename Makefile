# l10n_fr_chorus_pro — development commands. Settings come from the environment:
#   ODOO_SRC      a local Odoo 18.0 source tree (else Odoo is cloned once into ~/.cache/l10n_fr_chorus_pro/odoo-18.0)
#   PYTHON        the Python (3.10-3.12) that builds the virtualenv (.venv)
#   DB_HOST DB_PORT DB_USER DB_PASSWORD   PostgreSQL (default 127.0.0.1:5432, role odoo/odoo, created if missing)
#   DB_NAME       the demo database of `make run` (chorus_pro_demo)
#   HTTP_PORT     Odoo's port (8069); SANDBOX_PORT the Chorus Pro sandbox's port (8900)
#   TEST_DB_NAME  the database the tests run on (DB_NAME_test_<pid>, dropped afterwards); TEST_HTTP_PORT its port (8169)
.PHONY: run test test-odoo lint setup sandbox
DEV := $(CURDIR)/tools/dev.sh

run:      ## set everything up, then start Odoo with the addon, demo data and the Chorus Pro sandbox
	@$(DEV) run
test:     ## lint, then the whole test suite under pytest-odoo on a database created for the run
	@$(DEV) test
test-odoo: ## the same suite under Odoo's own test runner
	@$(DEV) test-odoo
lint:     ## ruff and pylint-odoo (no Odoo needed)
	@$(DEV) lint
setup:    ## virtualenv, Odoo and PostgreSQL only
	@$(DEV) setup
sandbox:  ## start the Chorus Pro sandbox alone (background)
	@$(DEV) sandbox
