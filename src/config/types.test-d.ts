/**
 * The public config types (types.ts, the users' reference) checked against the zod schemas
 * that validate a config, at compile time (`npm run typecheck`): every value the types allow
 * passes the schemas' input types, and the schemas know no field the types do not document.
 * A field added to one and not the other fails the build here.
 */
import type * as z from "zod";
import type { binarySchema } from "./binary.js";
import type { readySchema } from "./ready.js";
import type { restartSchema } from "./restart.js";
import type { buildSchema, publishSchema } from "./publish.js";
import type { configSchema, dashboardSchema, serviceSchema } from "./schema.js";
import type {
  BerthConfig,
  BinaryConfig,
  BuildConfig,
  DashboardConfig,
  DependencyCondition,
  HttpReadyConfig,
  PublishConfig,
  ReadyConfig,
  RestartConfig,
  RestartPolicy,
  ServiceConfig,
  StopSignal,
  WatchConfig,
} from "./types.js";
import type { watchSchema } from "./watch.js";

type Equal<A, B> =
  (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
type Expect<T extends true> = T;

/** Every key of every member of a union. */
type KeysOf<T> = T extends unknown ? keyof T : never;
/** The keys a form really has: the public types mark the other forms' keys `?: never`. */
type UsedKeys<T> = T extends unknown
  ? { [K in keyof T]-?: [Exclude<T[K], undefined>] extends [never] ? never : K }[keyof T]
  : never;
/** The schema takes every value of the public type, and has exactly its fields. */
type Matches<Public, Input> = [Public] extends [Input]
  ? Equal<UsedKeys<Public>, KeysOf<Input>>
  : false;
type ObjectForm<T> = Exclude<T, string | boolean | readonly unknown[] | RegExp | undefined>;

type ServiceInput = z.input<typeof serviceSchema>;
type ReadyInput = z.input<typeof readySchema>;

export type Checks = [
  Expect<Matches<BerthConfig, z.input<typeof configSchema>>>,
  Expect<Matches<ServiceConfig, ServiceInput>>,
  Expect<Matches<BinaryConfig, z.input<typeof binarySchema>>>,
  Expect<Matches<ReadyConfig, ReadyInput>>,
  Expect<Matches<HttpReadyConfig, ObjectForm<ReadyInput["http"]>>>,
  Expect<Matches<RestartConfig, ObjectForm<z.input<typeof restartSchema>>>>,
  Expect<Matches<WatchConfig, ObjectForm<z.input<typeof watchSchema>>>>,
  Expect<Matches<DashboardConfig, ObjectForm<z.input<typeof dashboardSchema>>>>,
  Expect<Matches<BuildConfig, ObjectForm<z.input<typeof buildSchema>>>>,
  Expect<Matches<PublishConfig, z.input<typeof publishSchema>>>,
  // The value sets defined once in types.ts and once in the schemas agree both ways.
  Expect<Equal<Exclude<ServiceInput["stopSignal"], undefined>, StopSignal>>,
  Expect<Equal<Extract<z.input<typeof restartSchema>, string>, RestartPolicy>>,
  Expect<
    Equal<
      ObjectForm<ServiceInput["dependsOn"]> extends Record<string, infer C> ? C : never,
      DependencyCondition
    >
  >,
];
