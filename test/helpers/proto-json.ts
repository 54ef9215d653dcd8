// Checks a JSON value against a message of a .proto file under the proto3 JSON mapping
// (https://protobuf.dev/programming-guides/json/), read with protobufjs: every key a field of the message
// (by its JSON name), every value of the field's type, enums by name, at most one member of a oneof, and
// every field marked (google.api.field_behavior) = REQUIRED present. Used for A2A v1.0's a2a.proto.
import { readFileSync } from "node:fs";
import protobuf from "protobufjs";

/** A .proto file, parsed with the well-known types it imports from google/protobuf. */
export function loadProto(path: string): protobuf.Root {
  const { root } = protobuf.parse(readFileSync(path, "utf8"), { keepCase: false });
  for (const name of ["empty", "struct", "timestamp"]) {
    const common = protobuf.common.get(`google/protobuf/${name}.proto`);
    if (common?.nested) root.addJSON(common.nested);
  }
  root.resolveAll();
  return root;
}

const INTS = new Set(["int32", "uint32", "sint32", "fixed32", "sfixed32"]);
const LONGS = new Set(["int64", "uint64", "sint64", "fixed64", "sfixed64"]);
const RFC3339 = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,9})?(Z|[+-]\d\d:\d\d)$/;

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function scalar(type: string, v: unknown, at: string, problems: string[]): void {
  const ok =
    type === "string"
      ? typeof v === "string"
      : type === "bool"
        ? typeof v === "boolean"
        : INTS.has(type)
          ? Number.isInteger(v) || (typeof v === "string" && /^-?\d+$/.test(v))
          : LONGS.has(type)
            ? Number.isSafeInteger(v) || (typeof v === "string" && /^-?\d+$/.test(v))
            : type === "double" || type === "float"
              ? typeof v === "number" || v === "NaN" || v === "Infinity" || v === "-Infinity"
              : type === "bytes"
                ? typeof v === "string" && /^[A-Za-z0-9+/_-]*={0,2}$/.test(v)
                : false;
  if (!ok) problems.push(`${at}: ${JSON.stringify(v)} is not a ${type}`);
}

function value(field: protobuf.Field, v: unknown, at: string, problems: string[]): void {
  const t = field.resolvedType;
  if (t instanceof protobuf.Enum) {
    if (!(typeof v === "string" ? v in t.values : Number.isInteger(v))) {
      problems.push(`${at}: ${JSON.stringify(v)} is not a value of ${t.name}`);
    }
  } else if (t instanceof protobuf.Type) {
    message(t, v, at, problems);
  } else {
    scalar(field.type, v, at, problems);
  }
}

/** The problems of `json` as message `type`, one line each (empty: it conforms). */
export function message(type: protobuf.Type, json: unknown, at: string, problems: string[] = []): string[] {
  switch (type.fullName) {
    case ".google.protobuf.Struct":
      if (!isObject(json)) problems.push(`${at}: a Struct is a JSON object`);
      return problems;
    case ".google.protobuf.Value":
      return problems;
    case ".google.protobuf.ListValue":
      if (!Array.isArray(json)) problems.push(`${at}: a ListValue is a JSON array`);
      return problems;
    case ".google.protobuf.Timestamp":
      if (typeof json !== "string" || !RFC3339.test(json)) problems.push(`${at}: not an RFC 3339 timestamp`);
      return problems;
  }
  if (!isObject(json)) {
    problems.push(`${at}: ${type.name} is a JSON object, not ${JSON.stringify(json)}`);
    return problems;
  }
  const byJsonName = new Map(type.fieldsArray.map((f) => [f.name, f]));
  for (const [key, v] of Object.entries(json)) {
    const field = byJsonName.get(key);
    const where = `${at}.${key}`;
    if (!field) {
      problems.push(`${where}: ${type.name} has no field ${key}`);
      continue;
    }
    if (v === null) continue;
    if (field.map) {
      if (!isObject(v)) problems.push(`${where}: a map is a JSON object`);
      else
        for (const [k, x] of Object.entries(v)) value(field, x, `${where}[${JSON.stringify(k)}]`, problems);
    } else if (field.repeated) {
      if (!Array.isArray(v)) problems.push(`${where}: a repeated field is a JSON array`);
      else for (const [i, x] of v.entries()) value(field, x, `${where}[${i}]`, problems);
    } else {
      value(field, v, where, problems);
    }
  }
  for (const oneof of type.oneofsArray) {
    // proto3 `optional` fields are synthetic oneofs of one member: nothing to choose between.
    if (oneof.oneof.length < 2) continue;
    const set = oneof.oneof.filter((name) => json[name] !== undefined && json[name] !== null);
    if (set.length > 1) problems.push(`${at}: ${set.join(" and ")} are members of oneof ${oneof.name}`);
  }
  for (const f of type.fieldsArray) {
    if (f.options?.["(google.api.field_behavior)"] === "REQUIRED" && json[f.name] === undefined) {
      problems.push(`${at}.${f.name}: required by ${type.name}`);
    }
  }
  return problems;
}
