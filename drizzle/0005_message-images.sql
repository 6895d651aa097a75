ALTER TABLE `messages` ADD `images` text;--> statement-breakpoint
ALTER TABLE `messages` ADD `reply_to` text;