// Unknown keys in a request body are an error (a typo like `resource` for `resources` must not
// be silently dropped), but the shared schemas are plain z.object(...) which strips them.
// strictDeep returns a copy of a schema in which every nested object is .strict().
import { z } from 'zod';

function rebuild(schema: z.ZodTypeAny): z.ZodTypeAny {
  if (schema instanceof z.ZodObject) {
    const shape = schema.shape as z.ZodRawShape;
    const strictShape = Object.fromEntries(Object.entries(shape).map(([k, v]) => [k, rebuild(v)]));
    return new z.ZodObject({ ...schema._def, shape: () => strictShape, unknownKeys: 'strict' });
  }
  // instanceof narrows to ZodOptional<any> & co.; the casts only restore the element type.
  if (schema instanceof z.ZodOptional) {
    const def = (schema as z.ZodOptional<z.ZodTypeAny>)._def;
    return new z.ZodOptional({ ...def, innerType: rebuild(def.innerType) });
  }
  if (schema instanceof z.ZodNullable) {
    const def = (schema as z.ZodNullable<z.ZodTypeAny>)._def;
    return new z.ZodNullable({ ...def, innerType: rebuild(def.innerType) });
  }
  if (schema instanceof z.ZodDefault) {
    const def = (schema as z.ZodDefault<z.ZodTypeAny>)._def;
    return new z.ZodDefault({ ...def, innerType: rebuild(def.innerType) });
  }
  if (schema instanceof z.ZodArray) {
    const def = (schema as z.ZodArray<z.ZodTypeAny>)._def;
    return new z.ZodArray({ ...def, type: rebuild(def.type) });
  }
  if (schema instanceof z.ZodEffects) {
    const def = (schema as z.ZodEffects<z.ZodTypeAny>)._def;
    return new z.ZodEffects({ ...def, schema: rebuild(def.schema) });
  }
  return schema;
}

/** The same schema (same input and output types) refusing unknown keys at every depth. */
export function strictDeep<T extends z.ZodTypeAny>(schema: T): T {
  // rebuild() only swaps inner schemas for stricter copies of themselves, so the type holds.
  return rebuild(schema) as T;
}
