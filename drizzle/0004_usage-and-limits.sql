CREATE TABLE `limit_counters` (
	`caller` text NOT NULL,
	`kind` text NOT NULL,
	`window_start` text NOT NULL,
	`count` integer NOT NULL,
	PRIMARY KEY(`caller`, `kind`)
);
--> statement-breakpoint
CREATE TABLE `stream_leases` (
	`id` text PRIMARY KEY NOT NULL,
	`caller` text NOT NULL,
	`expires_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `stream_leases_caller_idx` ON `stream_leases` (`caller`,`expires_at`);--> statement-breakpoint
CREATE TABLE `usage` (
	`id` text PRIMARY KEY NOT NULL,
	`created_at` text NOT NULL,
	`route` text NOT NULL,
	`kind` text NOT NULL,
	`user_id` text NOT NULL,
	`key_id` text,
	`requested_model` text NOT NULL,
	`provider` text NOT NULL,
	`model` text NOT NULL,
	`outcome` text NOT NULL,
	`error_code` text,
	`input_tokens` integer,
	`output_tokens` integer,
	`cost_usd` real,
	`latency_ms` real NOT NULL,
	`ttft_ms` real,
	`attempts` integer NOT NULL,
	`request_id` text,
	`end_user` text,
	`conversation_id` text
);
--> statement-breakpoint
CREATE INDEX `usage_created_idx` ON `usage` (`created_at`);--> statement-breakpoint
CREATE INDEX `usage_user_created_idx` ON `usage` (`user_id`,`created_at`);--> statement-breakpoint
CREATE TABLE `usage_daily` (
	`day` text NOT NULL,
	`user_id` text NOT NULL,
	`key_id` text NOT NULL,
	`model` text NOT NULL,
	`requests` integer NOT NULL,
	`input_tokens` integer NOT NULL,
	`output_tokens` integer NOT NULL,
	`cost_usd` real NOT NULL,
	PRIMARY KEY(`day`, `user_id`, `key_id`, `model`)
);
--> statement-breakpoint
CREATE TRIGGER `usage_daily_insert` AFTER INSERT ON `usage` BEGIN
  INSERT INTO `usage_daily` (`day`, `user_id`, `key_id`, `model`, `requests`, `input_tokens`, `output_tokens`, `cost_usd`)
  VALUES (substr(NEW.`created_at`, 1, 10), NEW.`user_id`, coalesce(NEW.`key_id`, ''), NEW.`model`, 1,
    coalesce(NEW.`input_tokens`, 0), coalesce(NEW.`output_tokens`, 0), coalesce(NEW.`cost_usd`, 0))
  ON CONFLICT (`day`, `user_id`, `key_id`, `model`) DO UPDATE SET
    `requests` = `requests` + 1,
    `input_tokens` = `input_tokens` + excluded.`input_tokens`,
    `output_tokens` = `output_tokens` + excluded.`output_tokens`,
    `cost_usd` = `cost_usd` + excluded.`cost_usd`;
END;
