-- `schedule.on`: a schedule that starts runs for events. `events` is its consumption strategy (JSON text);
-- `event_cursor` the sequence number of the last stored event it has looked at (at registration, the newest
-- one: earlier events start nothing); `event_progress` how far an `all` strategy has got (JSON text).
ALTER TABLE schedules ADD COLUMN events text;
ALTER TABLE schedules ADD COLUMN event_cursor bigint NOT NULL DEFAULT 0;
ALTER TABLE schedules ADD COLUMN event_progress text;
