// Marketing batches (SPEC §1.4) from pasted JSON or an uploaded JSON/CSV file.

export interface PreferenceRecord {
  Name: unknown;
  Email: unknown;
  MarketingOptIn: unknown;
  MarketingInterests: unknown;
}

/** Brief 000's example: Jane is stored; John's later opt-out wins over his opt-in. */
export const EXAMPLE_BATCH: PreferenceRecord[] = [
  {
    Name: "John Doe",
    Email: "johndoe@example.com",
    MarketingOptIn: true,
    MarketingInterests: ["product updates", "promotions", "newsletters"],
  },
  { Name: "Jane Doe", Email: "janedoe@example.com", MarketingOptIn: true, MarketingInterests: ["product updates", "newsletters"] },
  { Name: "John Doe", Email: "johndoe@example.com", MarketingOptIn: false, MarketingInterests: ["promotions"] },
];

/** RFC 4180 rows: quoted fields may hold commas, quotes ("") and line breaks. */
/** "," or ";" (Excel's separator in many locales): the one the header line uses. */
export function csvDelimiter(text: string): string {
  const header = text.split(/\r?\n/, 1)[0] ?? "";
  return header.includes(";") && !header.includes(",") ? ";" : ",";
}

export function parseCsvRows(text: string): string[][] {
  text = text.replace(/^\uFEFF/, ""); // Excel's UTF-8 byte order mark
  const delimiter = csvDelimiter(text);
  const rows: string[][] = [];
  let row: string[] = [];
  let field = "";
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const char = text[i];
    if (quoted) {
      if (char === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (char === '"') quoted = false;
      else field += char;
    } else if (char === '"' && field === "") quoted = true;
    else if (char === delimiter) {
      row.push(field);
      field = "";
    } else if (char === "\n" || char === "\r") {
      if (char === "\r" && text[i + 1] === "\n") i++;
      row.push(field);
      rows.push(row);
      row = [];
      field = "";
    } else field += char;
  }
  if (field !== "" || row.length > 0) {
    row.push(field);
    rows.push(row);
  }
  return rows.filter((r) => r.some((cell) => cell.trim() !== ""));
}

const TRUE = new Set(["true", "yes", "y", "1"]);
const FALSE = new Set(["false", "no", "n", "0"]);

/**
 * CSV with a header row Name,Email,MarketingOptIn,MarketingInterests (any order, any case; fields separated
 * by "," or ";"; a UTF-8 byte order mark ignored). MarketingOptIn: true/false/yes/no/y/n/1/0;
 * MarketingInterests separated by ";" or "|" ("|" in a ";"-separated file). The same rules as
 * `patron marketing import` (tools/patron_tools/importer.py). A value that
 * is not a boolean is passed through as text, so the pipeline rejects that row and says why.
 */
export function csvToRecords(text: string): PreferenceRecord[] {
  const [header, ...rows] = parseCsvRows(text);
  if (!header) throw new Error("The CSV file is empty.");
  const columns = header.map((h) => h.trim().toLowerCase());
  const index = (name: string) => columns.indexOf(name.toLowerCase());
  const missing = ["Name", "Email", "MarketingOptIn", "MarketingInterests"].filter((name) => index(name) < 0);
  if (missing.length) throw new Error(`The CSV header lacks ${missing.join(", ")}.`);
  return rows.map((row) => {
    const cell = (name: string) => (row[index(name)] ?? "").trim();
    const optIn = cell("MarketingOptIn").toLowerCase();
    return {
      Name: cell("Name"),
      Email: cell("Email"),
      MarketingOptIn: TRUE.has(optIn) ? true : FALSE.has(optIn) ? false : cell("MarketingOptIn"),
      MarketingInterests: cell("MarketingInterests")
        .split(/[;|]/)
        .map((s) => s.trim())
        .filter(Boolean),
    };
  });
}

/** The batch to send: a JSON array (parsed here so a typo is caught before anything is sent). */
export function parseBatch(text: string): unknown[] {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new Error(`Not valid JSON: ${error instanceof Error ? error.message : String(error)}`);
  }
  if (!Array.isArray(value)) throw new Error("The batch must be a JSON array of records.");
  return value;
}

/**
 * Above this many bytes of JSON-escaped body, a batch goes through an upload (POST /uploads, a PUT to
 * S3, POST /preferences {upload_id}). A direct request's Lambda event carries the body as an escaped
 * JSON string beside headers and request context and must stay within Lambda's 6 MB; 4 MB leaves that
 * room, and below it one request is quicker than three. `patron marketing import` uses the same rule.
 */
export const DIRECT_LIMIT_BYTES = 4 * 1024 * 1024;

/** The size of `json` once escaped as a string inside the Lambda event, in UTF-8 bytes. */
export function escapedBytes(json: string): number {
  return new TextEncoder().encode(JSON.stringify(json)).length;
}
