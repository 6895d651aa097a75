import { getTableColumns } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { usage } from '../../src/db/usage-schema.ts';
import { recordColumns } from '../../src/db/usage-store.ts';

describe('the usage ledger insert', () => {
  it('writes every column of the usage table, each from its own field', () => {
    const columns = Object.entries(getTableColumns(usage)).map(([field, column]) => [column.name, field]);
    expect([...recordColumns].sort()).toEqual(columns.sort());
  });
});
