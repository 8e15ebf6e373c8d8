// Every `foyer` command, in the order `foyer help` lists them.
import type { Command } from './io.ts';
import { migrateCommand } from './migrate.command.ts';
import { tenantsConfigureCommand, tenantsCreateCommand, tenantsDeleteCommand, tenantsListCommand, tenantsShowCommand, tenantsUpdateCommand } from './tenants.command.ts';
import { keysListCommand, keysRotateCommand } from './keys.command.ts';
import { appsCommands } from './apps.command.ts';
import { usersCommands } from './users.command.ts';
import { mailCommands } from './mail.command.ts';
import { adminSetupCommand } from './admin.command.ts';
import { auditCommands } from './audit.command.ts';
import { importCommands } from './import.command.ts';
import { exportCommands } from './export.command.ts';
import { connectionsCommands } from './connections.command.ts';

export const commands: readonly Command[] = [migrateCommand, tenantsCreateCommand, tenantsListCommand, tenantsShowCommand, tenantsConfigureCommand, tenantsUpdateCommand, tenantsDeleteCommand, keysRotateCommand, keysListCommand, ...appsCommands, ...usersCommands, ...mailCommands, ...auditCommands, ...importCommands, ...exportCommands, ...connectionsCommands, adminSetupCommand];
