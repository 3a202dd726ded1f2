CREATE TABLE IF NOT EXISTS authorizations (id TEXT PRIMARY KEY, max_units INT NOT NULL);
CREATE TABLE IF NOT EXISTS bookings (id SERIAL PRIMARY KEY, authorization_id TEXT NOT NULL REFERENCES authorizations (id), units INT NOT NULL);
