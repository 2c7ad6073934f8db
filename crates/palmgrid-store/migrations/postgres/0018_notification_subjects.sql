-- What a notification is about besides a case, for the app to open it: e.g.
-- `service_request:<id>`, `community:<code>`.
ALTER TABLE notifications ADD COLUMN subject TEXT;
