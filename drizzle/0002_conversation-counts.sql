CREATE TABLE `conversation_counts` (
	`owner_id` text PRIMARY KEY NOT NULL,
	`conversation_count` integer DEFAULT 0 NOT NULL
);
--> statement-breakpoint
INSERT INTO `conversation_counts` (`owner_id`, `conversation_count`) SELECT `owner_id`, count(*) FROM `conversations` GROUP BY `owner_id`;
--> statement-breakpoint
CREATE TRIGGER `conversations_count_insert` AFTER INSERT ON `conversations` BEGIN
  INSERT INTO `conversation_counts` (`owner_id`, `conversation_count`) VALUES (NEW.`owner_id`, 1)
  ON CONFLICT (`owner_id`) DO UPDATE SET `conversation_count` = `conversation_count` + 1;
END;
--> statement-breakpoint
CREATE TRIGGER `conversations_count_delete` AFTER DELETE ON `conversations` BEGIN
  UPDATE `conversation_counts` SET `conversation_count` = `conversation_count` - 1 WHERE `owner_id` = OLD.`owner_id`;
END;
