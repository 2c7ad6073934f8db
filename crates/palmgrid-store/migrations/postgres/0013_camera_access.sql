-- 民主监督 (issue 6): the camera-access report reads a camera's video views from the audit
-- log by target and time.
CREATE INDEX audit_log_target_ts ON audit_log(target, ts_ms);
