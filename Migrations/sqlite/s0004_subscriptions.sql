-- What a listening run waits for (JSON text, see EventSubscription): the filters of its listens that an event
-- could still satisfy, written by each checkpoint. A delivery counts the listening runs it matches from it.
ALTER TABLE runs ADD COLUMN subscription TEXT;
