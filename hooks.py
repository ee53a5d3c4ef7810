def uninstall_hook(env):
    """Partners sent « by Chorus Pro » go back to e-mail (the sending method is stored per company, as JSON).

    The « Chorus Pro » option is then removed here: Odoo's generic clean-up of selection values compares the
    column with a plain string, which PostgreSQL refuses for a per-company (JSON) column.
    """
    env.cr.execute(
        """
        UPDATE res_partner
           SET invoice_sending_method = (
                 SELECT jsonb_object_agg(key, CASE WHEN value = '"chorus_pro"'::jsonb THEN '"email"'::jsonb
                                                   ELSE value END)
                   FROM jsonb_each(invoice_sending_method))
         WHERE invoice_sending_method::text LIKE '%chorus_pro%'
        """
    )
    env.cr.execute(
        """
        DELETE FROM ir_model_fields_selection
         WHERE value = 'chorus_pro'
           AND field_id IN (SELECT id FROM ir_model_fields
                             WHERE model = 'res.partner' AND name = 'invoice_sending_method')
        """
    )
