"""The base's own imports (areas, sectors, responsible units, logins), registered by the portal's AppConfig; the
framework they use is `consult_portal.imports`."""
