def uninstall_hook(env):
    """Partners sent « by Chorus Pro » go back to e-mail (the sending method is stored per company, as JSON)."""
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
