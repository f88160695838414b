import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { exportCatalogCsv, formatCsvErrors, importCatalogCsv, type CatalogImportResult, type CsvRowError } from './catalog-csv.ts';
import { BARCODE_PATTERN, SKU_PATTERN, duplicateBarcodes, type Product } from './catalog.ts';

const EUR = { currency: 'EUR' };

function product(over: Partial<Product> = {}): Product {
  return {
    sku: 'TEE-M',
    brandId: 'acme',
    name: 'Tee',
    variant: '',
    barcodes: [],
    price: 0,
    cost: 0,
    marginFloorBp: 0,
    taxRateBp: 0,
    hero: false,
    lowStockThreshold: 0,
    safetyStock: 0,
    serialTracked: false,
    ...over,
  };
}

function products(r: CatalogImportResult): Product[] {
  if (!r.ok) throw new Error(`expected an import, got:\n${formatCsvErrors(r.errors)}`);
  return r.products;
}

function errors(r: CatalogImportResult): CsvRowError[] {
  if (r.ok) throw new Error('expected errors, got an import');
  return r.errors;
}

const messages = (r: CatalogImportResult) => errors(r).map((e) => e.message);

describe('importCatalogCsv', () => {
  it('imports a good file, filling the optional columns with their defaults', () => {
    const csv = [
      'sku,brand,name,variant,barcodes,price,cost,margin_floor_pct,tax_rate_pct,hero,low_stock_threshold,safety_stock,serial_tracked',
      'TEE-M,acme,Tee,M,4006381333931|ACME-1;ACME-2,12.50,4.00,20,5.5,yes,3,1,n',
      'CAP,acme,Cap,,,9,,,,,,,',
    ].join('\r\n');
    expect(products(importCatalogCsv(csv, EUR))).toEqual([
      product({
        variant: 'M',
        barcodes: ['4006381333931', 'ACME-1', 'ACME-2'],
        price: 1250,
        cost: 400,
        marginFloorBp: 2000,
        taxRateBp: 550,
        hero: true,
        lowStockThreshold: 3,
        safetyStock: 1,
      }),
      product({ sku: 'CAP', name: 'Cap', price: 900 }),
    ]);
  });

  it('accepts the columns in any order and in any letter case, with only the required ones present', () => {
    const csv = 'Price,NAME,Sku,Brand\n3.00,Sticker,STK,acme\n';
    expect(products(importCatalogCsv(csv, EUR))).toEqual([product({ sku: 'STK', name: 'Sticker', price: 300 })]);
  });

  it('reports every bad row with its line and column, and imports nothing', () => {
    const csv = [
      'sku,brand,name,barcodes,price',
      'TEE-M,acme,Tee,111,12.00',
      ',acme,No SKU,,5.00',
      'CAP,acme,Cap,,-3.00',
      'MUG,acme,Mug,111,8.00',
      'PIN,acme,Pin,,12.3.4',
    ].join('\n');
    expect(errors(importCatalogCsv(csv, EUR))).toEqual([
      { line: 3, column: 'sku', message: 'line 3, column sku: the SKU is missing' },
      { line: 4, column: 'price', message: 'line 4, column price: "-3.00" is negative' },
      { line: 5, column: 'barcodes', message: 'line 5, column barcodes: barcode "111" of SKU "MUG" is already used by SKU "TEE-M" on line 2' },
      { line: 6, column: 'price', message: 'line 6, column price: "12.3.4" is not a decimal number' },
    ]);
  });

  it('reports several bad cells of the same row, not just the first', () => {
    const csv = 'sku,brand,name,price,cost,hero\nbad sku,acme,,abc,1.234,maybe\n';
    expect(errors(importCatalogCsv(csv, EUR)).map((e) => e.column)).toEqual(['sku', 'name', 'price', 'cost', 'hero']);
  });

  it('refuses numbers it cannot read exactly: several dots, letters, thousands separators, too many decimals', () => {
    const head = 'sku,brand,name,price\n';
    expect(messages(importCatalogCsv(`${head}A,acme,A,abc\nB,acme,B,"1,234.50"\nC,acme,C,1.234\n`, EUR))).toEqual([
      'line 2, column price: "abc" is not a decimal number',
      'line 3, column price: "1,234.50" is not a decimal number',
      'line 4, column price: "1.234" has more than 2 decimal places for EUR',
    ]);
  });

  it('names an unknown column and does not guess what it meant', () => {
    const r = importCatalogCsv('sku,brand,name,price,colour\nA,acme,A,1,red\n', EUR);
    expect(errors(r)).toEqual([{ line: 1, column: 'colour', message: expect.stringMatching(/^line 1, column colour: is not a known column/) }]);
  });

  it('names a required column missing from the header', () => {
    expect(messages(importCatalogCsv('sku,brand,name\nA,acme,A\n', EUR))).toEqual(['line 1, column price: is required but missing from the header']);
  });

  it('reports a row whose number of cells differs from the header', () => {
    expect(messages(importCatalogCsv('sku,brand,name,price\nA,acme,A\n', EUR))).toEqual(['line 2: has 3 cells but the header has 4 columns']);
  });

  it('gives the right line for a row that follows a name spanning several lines', () => {
    const csv = 'sku,brand,name,price\nA,acme,"Tee\nwith a\nlong name",1\nB,acme,Cap,-1\n';
    expect(messages(importCatalogCsv(csv, EUR))).toEqual(['line 5, column price: "-1" is negative']);
  });

  it('reports a duplicate SKU with the line where it first appeared', () => {
    const csv = 'sku,brand,name,price\nA,acme,Tee,1\nB,acme,Cap,1\nA,acme,Tee again,2\n';
    expect(messages(importCatalogCsv(csv, EUR))).toEqual([
      'line 4, column sku: "A" is already on line 2; each SKU may appear only once',
    ]);
  });

  it('refuses a barcode that a different SKU of the current catalog already has, naming both SKUs', () => {
    const existing = [product({ sku: 'OLD', barcodes: ['999'] })];
    const r = importCatalogCsv('sku,brand,name,barcodes,price\nNEW,acme,New,999,1\n', { ...EUR, existing });
    expect(messages(r)).toEqual(['line 2, column barcodes: barcode "999" of SKU "NEW" is already used by SKU "OLD" in the current catalog']);
  });

  it('lets a re-imported SKU keep its own barcodes, and lets a barcode move away from a SKU that is re-imported too', () => {
    const existing = [product({ sku: 'A', barcodes: ['111'] }), product({ sku: 'B', barcodes: ['222'] })];
    const csv = 'sku,brand,name,barcodes,price\nA,acme,A,111|222,1\nB,acme,B,,1\n';
    expect(products(importCatalogCsv(csv, { ...EUR, existing })).map((p) => p.barcodes)).toEqual([['111', '222'], []]);
  });

  it('keeps a barcode written twice on the same product once, instead of calling it a clash', () => {
    const r = importCatalogCsv('sku,brand,name,barcodes,price\nA,acme,A,111|111;222,1\n', EUR);
    expect(products(r)[0]?.barcodes).toEqual(['111', '222']);
  });

  it('refuses a brand that is not one of the event when the brands are given', () => {
    const csv = 'sku,brand,name,price\nA,Acme,A,1\nB,other,B,1\n';
    expect(messages(importCatalogCsv(csv, { ...EUR, allowedBrands: ['acme'] }))).toEqual([
      'line 3, column brand: "other" is not a brand of this event (brands: acme)',
    ]);
  });

  it('refuses a margin floor of 100 % or more, a tax rate above 100 % and negative or over-precise percentages', () => {
    const csv = 'sku,brand,name,price,margin_floor_pct,tax_rate_pct\nA,acme,A,1,100,100.01\nB,acme,B,1,-5,5.555\nC,acme,C,1,99.99,100\n';
    expect(messages(importCatalogCsv(csv, EUR))).toEqual([
      'line 2, column margin_floor_pct: "100" is out of range: it must be from 0 to 99.99',
      'line 2, column tax_rate_pct: "100.01" is out of range: it must be from 0 to 100',
      'line 3, column margin_floor_pct: "-5" is negative',
      'line 3, column tax_rate_pct: "5.555" has more than 2 decimal places',
    ]);
  });

  it('reads yes/no words in any case as booleans and refuses anything else', () => {
    const csv = 'sku,brand,name,price,hero,serial_tracked\nA,acme,A,1,YES,1\nB,acme,B,1,No,false\nC,acme,C,1,Y,0\n';
    expect(products(importCatalogCsv(csv, EUR)).map((p) => [p.hero, p.serialTracked])).toEqual([
      [true, true],
      [false, false],
      [true, false],
    ]);
    expect(messages(importCatalogCsv('sku,brand,name,price,hero\nA,acme,A,1,maybe\n', EUR))).toEqual([
      'line 2, column hero: "maybe" is not yes or no; write true/false, yes/no, y/n or 1/0',
    ]);
  });

  it('accepts only plain non-negative whole numbers for stock counts', () => {
    const csv = 'sku,brand,name,price,low_stock_threshold,safety_stock\nA,acme,A,1,-1,2.5\n';
    expect(messages(importCatalogCsv(csv, EUR))).toEqual([
      'line 2, column low_stock_threshold: "-1" is negative',
      'line 2, column safety_stock: "2.5" is not a whole number',
    ]);
  });

  it('reads JPY amounts as whole yen and refuses decimals for them', () => {
    const csv = 'sku,brand,name,price,cost\nA,acme,A,500,120\n';
    expect(products(importCatalogCsv(csv, { currency: 'JPY' }))[0]).toMatchObject({ price: 500, cost: 120 });
    expect(messages(importCatalogCsv('sku,brand,name,price\nA,acme,A,5.5\n', { currency: 'JPY' }))).toEqual([
      'line 2, column price: "5.5" has more than 0 decimal places for JPY',
    ]);
  });

  it('reports a CSV syntax error as an error of the line where the quote opened', () => {
    expect(errors(importCatalogCsv('sku,brand,name,price\nA,acme,"Tee,1\n', EUR))).toEqual([
      { line: 2, column: '', message: 'line 2: a quoted field starts here but its closing quote is missing' },
    ]);
  });

  it('skips empty lines and rows of empty cells that spreadsheets leave below the data', () => {
    const csv = '\uFEFFsku,brand,name,price\r\nA,acme,A,1\r\n\r\n,,,\r\n';
    expect(products(importCatalogCsv(csv, EUR))).toHaveLength(1);
  });

  it('refuses a file with no products rather than importing an empty catalog', () => {
    expect(messages(importCatalogCsv('sku,brand,name,price\n', EUR))).toEqual(['line 1: there are no products below the header']);
    expect(messages(importCatalogCsv('', EUR))).toEqual(['line 1: the file is empty; the first line must name the columns']);
  });

  it('reads an optional category column, trimmed; an empty cell is no category, and one over 40 characters is refused on its column', () => {
    const csv = `sku,brand,name,price,category\nA,acme,A,1, Apparel \nB,acme,B,1,\nC,acme,C,1,${'x'.repeat(41)}\n`;
    expect(messages(importCatalogCsv(csv, EUR))).toEqual(['line 4, column category: must be at most 40 characters']);
    const ok = products(importCatalogCsv('sku,brand,name,price,category\nA,acme,A,1, Apparel \nB,acme,B,1,\n', EUR));
    expect(ok.map((p) => p.category)).toEqual(['Apparel', undefined]);
    expect('category' in ok[1]!).toBe(false);
  });

  it('places errors found by parseProduct on their column', () => {
    const csv = `sku,brand,name,price\nA,acme,${'x'.repeat(121)},1\n`;
    expect(messages(importCatalogCsv(csv, EUR))).toEqual(['line 2, column name: must be at most 120 characters']);
  });
});

describe('exportCatalogCsv', () => {
  it('writes decimals with the currency digits, percentages, booleans and barcodes joined with |', () => {
    const p = product({ barcodes: ['111', '222'], price: 1250, cost: 5, marginFloorBp: 2000, taxRateBp: 550, hero: true });
    expect(exportCatalogCsv([p], 'EUR')).toBe(
      'sku,brand,name,variant,barcodes,price,cost,margin_floor_pct,tax_rate_pct,hero,low_stock_threshold,safety_stock,serial_tracked,category\r\n' +
        'TEE-M,acme,Tee,,111|222,12.50,0.05,20,5.5,true,0,0,false,\r\n',
    );
  });

  it('writes JPY amounts without a decimal point', () => {
    expect(exportCatalogCsv([product({ price: 500, cost: 7 })], 'JPY').split('\r\n')[1]).toContain(',500,7,');
  });

  it('neutralises a formula-like name on export and restores it on import', () => {
    const evil = product({ name: '=HYPERLINK("http://evil.example","click")', variant: '-2+3' });
    const csv = exportCatalogCsv([evil], 'EUR');
    expect(csv).toContain(`"'=HYPERLINK(""http://evil.example"",""click"")",'-2+3,`);
    expect(products(importCatalogCsv(csv, EUR))).toEqual([evil]);
  });

  it('gives back the same products when an export is imported again, for any valid catalog', () => {
    const anyProduct = fc.record({
      sku: fc.stringMatching(SKU_PATTERN),
      brandId: fc.constantFrom('acme', 'b-2', '0x'),
      name: fc.string({ unit: 'binary', minLength: 1, maxLength: 40 }).filter((s) => s.trim() !== ''),
      variant: fc.string({ maxLength: 30 }),
      barcodes: fc.uniqueArray(fc.stringMatching(BARCODE_PATTERN), { maxLength: 4 }),
      price: fc.maxSafeNat(),
      cost: fc.nat(),
      marginFloorBp: fc.integer({ min: 0, max: 9_999 }),
      taxRateBp: fc.integer({ min: 0, max: 10_000 }),
      hero: fc.boolean(),
      lowStockThreshold: fc.nat(),
      safetyStock: fc.nat(),
      serialTracked: fc.boolean(),
      category: fc.stringMatching(/^[A-Za-z][A-Za-z &-]{0,38}[A-Za-z]$/),
    }, { requiredKeys: ['sku', 'brandId', 'name', 'variant', 'barcodes', 'price', 'cost', 'marginFloorBp', 'taxRateBp', 'hero', 'lowStockThreshold', 'safetyStock', 'serialTracked'] });
    const catalog = fc
      .uniqueArray(anyProduct, { minLength: 1, maxLength: 5, selector: (p) => p.sku })
      .filter((ps) => duplicateBarcodes(ps).size === 0);
    fc.assert(
      fc.property(catalog, fc.constantFrom('EUR', 'JPY', 'KWD'), (ps, currency) => {
        expect(products(importCatalogCsv(exportCatalogCsv(ps, currency), { currency }))).toEqual(ps);
      }),
    );
  });
});

describe('formatCsvErrors', () => {
  it('lists every problem under a summary that says nothing was imported', () => {
    const r = importCatalogCsv('sku,brand,name,price\n,acme,A,1\nB,acme,B,-3.00\n', EUR);
    expect(formatCsvErrors(errors(r))).toBe(
      '2 problems found; nothing was imported:\n' +
        '  • line 2, column sku: the SKU is missing\n' +
        '  • line 3, column price: "-3.00" is negative',
    );
  });
});
