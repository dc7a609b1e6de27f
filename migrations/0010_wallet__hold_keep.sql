-- The part of a hold that charges never take: what its post is meant to pay
-- (a rental's price, held together with the deposit late fees come out of).
-- Holds made before keep nothing, as before.
ALTER TABLE wallet_holds ADD COLUMN keep_minor INTEGER NOT NULL DEFAULT 0
  CHECK (keep_minor BETWEEN 0 AND amount_minor);
