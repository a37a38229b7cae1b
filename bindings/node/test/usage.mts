// Type-checked by `tsc --noEmit -p test/tsconfig.json` (not run): shows the public API as a
// TypeScript user sees it and pins that decimals are strings, not `any`.
import {
  compile,
  compileVersions,
  CompiledPlan,
  CompiledVersions,
  deriveActuals,
  diff,
  diffText,
  ErrorCode,
  isKpichainError,
  loadVersions,
  planSchema,
  validate,
  versionsSchema,
  BatchResult,
  type AppliedVersion,
  type ColumnBatch,
  type SubjectResult,
  type Change,
  type DecimalString,
  type Derived,
  type ExplainedSegment,
  type PlanDiff,
  type PlanVersions,
  type Segment,
  type Evaluation,
  type ExplainedEvaluation,
  type Explanation,
  type Issue,
  type DeriveReport,
  type ItemSource,
  type Plan,
  type RecordRow,
  type ScoreInputs,
} from 'kpichain'
import * as native from 'kpichain/native'

const plan: Plan = {
  id: 'demo',
  version: '1',
  indicators: [
    { id: 'sales', name: '销售额', unit: '万元' },
    { id: 'complaints', name: '投诉率', direction: 'lower_is_better' },
  ],
  roles: [
    {
      id: 'rep',
      name: '销售代表',
      items: [
        { indicator: 'sales', weight: 60, target: '80', rule: { type: 'ratio', cap: 120 } },
        { indicator: 'complaints', weight: '40', target: 0.02, threshold: 0.05, rule: { type: 'linear' } },
      ],
    },
  ],
  grades: [
    { grade: 'A', min: 100, coefficient: '1.2' },
    { grade: 'B', coefficient: 1 },
  ],
}

const problems: Issue[] = validate(plan)
const compiled: CompiledPlan = compile(plan)
const fromToml: CompiledPlan = CompiledPlan.fromToml('id = "p"')
const inputs: ScoreInputs = {
  period: '2022-03',
  assignments: [{ subject: 'E1', role: 'rep', bonus_base: '10000' }],
  actuals: [
    { subject: 'E1', indicator: 'sales', value: 70 },
    { subject: 'E2', sales: '91.5', complaints: 0.03 },
    { subject: 'E3', sales: 12n, complaints: null },
  ],
}

const evaluation: Evaluation = compiled.score(inputs)
const total: DecimalString = evaluation.results[0]!.total
const grade: string = evaluation.results[0]!.grade
const payout: DecimalString | null = evaluation.results[0]!.payout
// @ts-expect-error decimals are strings, never numbers
const asNumber: number = evaluation.results[0]!.total

async function serve(): Promise<string> {
  const explained: ExplainedEvaluation = await compiled.scoreAsync(inputs, { explain: true })
  const explanation: Explanation = explained.results[0]!.explanation
  const plain: Evaluation = await compiled.scoreAsync(JSON.stringify(inputs))
  const body: string = await compiled.scoreJsonAsync(inputs)
  const sameBody: string = compiled.scoreJson(inputs, { explain: true })
  return explanation.text + explanation.items[0]!.weighted + plain.plan_fingerprint + body + sameBody
}

try {
  compile({ ...plan, roles: [] })
} catch (error) {
  if (isKpichainError(error)) {
    const code: 'KPI_PLAN_INVALID' | 'KPI_INPUT_INVALID' | 'KPI_IO_ERROR' | 'KPI_PANIC' | 'KPI_INTERNAL' = error.code
    const first: Issue | undefined = error.errors[0]
    console.log(code === ErrorCode.PLAN_INVALID, first?.path)
  }
}

// @ts-expect-error a rule needs its `type`
const badRule: Plan['roles'][number]['items'][number]['rule'] = { cap: 120 }
// @ts-expect-error booleans are not values
const badRow: ScoreInputs = { assignments: [], actuals: [{ subject: 'E1', indicator: 'sales', value: true }] }

// Raw records and org units: actuals derived from records, a unit source, a team link.
const chainPlan: Plan = {
  id: 'chain',
  version: '1',
  time_zone: '+08:00',
  bad_records: 'skip',
  records: [
    {
      name: 'orders',
      fields: [
        { name: 'rep', kind: 'text' },
        { name: 'amount', kind: 'decimal' },
        { name: 'confirmed_at', kind: 'timestamp' },
        { name: 'booked_on', kind: 'date', optional: true },
      ],
    },
  ],
  indicators: [
    {
      id: 'sales',
      name: '销售额',
      rollup: 'sum',
      measure: { records: 'orders', subject: 'rep', time: 'confirmed_at', value: { type: 'sum', field: 'amount' }, scale: 2 },
    },
    { id: 'team_total', name: '团队得分' },
  ],
  roles: [
    {
      id: 'rep',
      name: '销售代表',
      items: [{ indicator: 'sales', weight: 100, target: 100, rule: { type: 'ratio' } }],
      variants: [{ id: 'south', region: 'south', items: [{ indicator: 'sales', weight: 100, target: 50, rule: { type: 'ratio' } }] }],
    },
    {
      id: 'director',
      name: '销售总监',
      items: [
        { indicator: 'sales', weight: 50, target: 200, rule: { type: 'ratio' }, source: { from: 'unit' } },
        { id: 'team', indicator: 'team_total', weight: 50, target: 100, rule: { type: 'ratio' }, source: { from: 'role', role: 'rep', scope: 'team' } },
      ],
    },
  ],
  grades: [{ grade: 'A', coefficient: 1 }],
}
const order: RecordRow = { rep: 'E1', amount: 12.5, confirmed_at: new Date('2022-03-01T02:00:00Z'), booked_on: new Date(2022, 1, 28) }
const chainInputs: ScoreInputs = {
  period: '2022-03',
  assignments: [
    { subject: 'D1', role: 'director', unit: '南区' },
    { subject: 'E1', role: 'rep', unit: '南区', manager: 'D1' },
  ],
  units: [{ id: '南区', region: 'south' }],
  records: { orders: [order, { rep: 'E1', amount: '7.50', confirmed_at: '2022-03-02 09:30', booked_on: null }] },
}
const chained: Evaluation = compile(chainPlan).score(chainInputs)
const variant: string | null | undefined = chained.results[1]!.variant
const sources: ItemSource[] | undefined = chained.results[0]!.sources
const derivation: DeriveReport | null | undefined = chained.derivation
const skipped: number | undefined = derivation?.record_sets[0]?.bad_records
const source: string | undefined = compile(chainPlan).explain(chainInputs, 'D1')[0]!.items[0]!.source
// @ts-expect-error record values are scalars, dates or null, not arrays
const badRecord: RecordRow = { rep: ['E1'] }

const schema = planSchema()
const nativeSchema: string = native.planSchema()
const explanations: Explanation[] = compiled.explain(inputs, 'E1')

// Effective-dated versions: scored with the version(s) in force for the period.
const doc: PlanVersions = {
  id: 'demo',
  span: 'pro_rata',
  versions: [
    { effective_from: '2022-01-01', plan },
    { effective_from: '2022-03-01', plan: { ...plan, version: '2' } },
  ],
}
const versions: CompiledVersions = compileVersions(doc)
const fromFile: CompiledVersions = loadVersions('versions.json')
const quarter: Evaluation = versions.score({ ...inputs, period: '2022-Q1' })
const applied: AppliedVersion[] | undefined = quarter.versions
const segments: Segment[] | undefined = quarter.results[0]!.segments
const firstPart: DecimalString | undefined = segments?.[0]?.result.total
const parts: ExplainedSegment[] | undefined = versions.explain({ ...inputs, period: '2022-Q1' }, 'E1')[0]!.segments
const march: CompiledPlan | null = versions.inForce('2022-03-15')
const effective: string = versions.versions[0]!.effective_from
const versionPlan: CompiledPlan = versions.version('2')
// @ts-expect-error a versioned plan needs the period
const noPeriod: Evaluation = versions.score({ assignments: [] })
const changes: Change[] = versions.diff('1', '2').changes
const planDiff: PlanDiff = diff(compiled, { ...plan, version: '2' })
const before: string | null = planDiff.changes[0]?.role ?? null
const diffLines: string = diffText(plan, 'id = "p"') + versions.diffText('1', '2')
const derived: Derived = deriveActuals({
  time_zone: '+08:00',
  period: '2022-03',
  records: { orders: { fields: [{ name: 'rep', kind: 'text' }], rows: [['E1'], [null]] } },
  measures: [{ indicator: 'orders', measure: { records: 'orders', subject: 'rep', time: 'at', value: { type: 'count' } } }],
})
const derivedValue: DecimalString = derived.actuals[0]!.value
const versionsJsonSchema = versionsSchema()

console.log(problems, fromToml, total, grade, payout, asNumber, serve, badRule, badRow, schema, nativeSchema, explanations)
console.log(variant, sources, skipped, source, badRecord)
// Batches without JSON text: columns aligned with `subjects` (or rows), results read by column.
const columns: ColumnBatch = {
  period: '2022-03',
  subjects: ['E1', 1002, 1003n],
  roles: ['rep', 'rep', 'rep'],
  bonusBases: new Float64Array([1000, 2000, 3000]),
  actuals: { sales: [90, '95.5', null], complaints: new Float64Array([0.01, 0.02, 0.03]) },
}
const batch: BatchResult = compiled.scoreBatch(columns)
const batchTotals: DecimalString[] = batch.totals()
const batchPayouts: Array<DecimalString | null> = batch.payouts(0, 2)
const salesScores: Array<DecimalString | null> = batch.itemScores('sales')
const one: SubjectResult = batch.get(0)
const whole: Evaluation = batch.toJSON()
const why: string = batch.explain(0).text
const fromRows: Promise<BatchResult> = versions.scoreBatchAsync({ period: '2022-03', assignments: [{ subject: 'E1', role: 'rep' }] })
// @ts-expect-error a column batch needs roles
const noRoles: ColumnBatch = { subjects: ['E1'] }
console.log(batchTotals, batchPayouts, salesScores, one, whole, why, fromRows, noRoles, [...batch].length)
console.log(fromFile, applied, firstPart, parts, march, effective, versionPlan, noPeriod, changes, before, diffLines, derivedValue, versionsJsonSchema)
