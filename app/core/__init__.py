"""Settings, database engine and security: the pieces every layer shares."""
