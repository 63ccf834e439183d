/**
 * Backup and restore of the whole database as one file (gzip JSON Lines; format.ts describes
 * it, docs/backup.md for users). The folder holds one job per file: the format and its header
 * (format.ts), the tables and their order (tables.ts), the catalog (catalog.ts), the migrations
 * (migrations.ts), writing (writer.ts), reading the file (reader.ts), restoring (restore.ts)
 * and the restore's batched writes (inserter.ts). This module is the public API.
 */
export {
	BACKUP_FORMAT,
	BACKUP_FORMAT_VERSION,
	type BackupColumn,
	type BackupHeader,
	type BackupMigration,
	type BackupOptions,
	type BackupSummary,
	type RestoreOptions,
	type RestoreSummary,
	type TableCount
} from './format';
export { migrationTags } from './migrations';
export { readBackupHeader } from './reader';
export { restoreBackup } from './restore';
export { appTables, type AppTable } from './tables';
export { writeBackup } from './writer';
