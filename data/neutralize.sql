-- A duplicated (neutralized) database must never reach Chorus Pro with the production credentials: the four
-- credentials are emptied and Production goes back to Qualification.
UPDATE res_company
   SET l10n_fr_chorus_client_id = NULL,
       l10n_fr_chorus_client_secret = NULL,
       l10n_fr_chorus_login = NULL,
       l10n_fr_chorus_password = NULL,
       l10n_fr_chorus_environment = CASE WHEN l10n_fr_chorus_environment = 'production'
                                         THEN 'qualification' ELSE l10n_fr_chorus_environment END;
