-- A duplicated (neutralized) database must never reach Chorus Pro with the production credentials: the four
-- credentials are emptied (the secret and the password are stored encrypted, in the *_crypt columns) and
-- Production goes back to Qualification.
UPDATE res_company
   SET l10n_fr_chorus_client_id = NULL,
       l10n_fr_chorus_client_secret_crypt = NULL,
       l10n_fr_chorus_login = NULL,
       l10n_fr_chorus_password_crypt = NULL,
       l10n_fr_chorus_environment = CASE WHEN l10n_fr_chorus_environment = 'production'
                                         THEN 'qualification' ELSE l10n_fr_chorus_environment END;
