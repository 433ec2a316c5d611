-- What a listening run waits for (JSON text, see EventSubscription): the filters of its listens that an event
-- could still satisfy, written by each checkpoint. A delivery counts the listening runs it matches from it.
-- NULL for a run that listens for nothing, and for listening runs written before this column: any event may
-- match them.
ALTER TABLE runs ADD COLUMN subscription text;
