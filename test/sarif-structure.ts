/**
 * A structural check of a SARIF 2.1.0 log, written from the OASIS schema (sarif-schema-2.1.0.json)
 * for the objects pep489-codemod writes: required properties, the property names each object may
 * have (the schema's `additionalProperties: false`), enums, and the cross-references (ruleIndex,
 * uriBaseId). Returns the problems found, empty when the log is well formed.
 */

const ALLOWED: Record<string, string[]> = {
  sarifLog: ['$schema', 'version', 'runs', 'inlineExternalProperties', 'properties'],
  run: [
    'tool', 'invocations', 'conversion', 'language', 'versionControlProvenance', 'originalUriBaseIds', 'artifacts',
    'logicalLocations', 'graphs', 'results', 'automationDetails', 'runAggregates', 'baselineGuid', 'redactionTokens',
    'defaultEncoding', 'defaultSourceLanguage', 'newlineSequences', 'columnKind', 'externalPropertyFileReferences',
    'threadFlowLocations', 'taxonomies', 'addresses', 'translations', 'policies', 'webRequests', 'webResponses',
    'specialLocations', 'properties',
  ],
  tool: ['driver', 'extensions', 'properties'],
  toolComponent: [
    'guid', 'name', 'organization', 'product', 'productSuite', 'shortDescription', 'fullDescription', 'fullName', 'version',
    'semanticVersion', 'dottedQuadFileVersion', 'releaseDateUtc', 'downloadUri', 'informationUri', 'globalMessageStrings',
    'notifications', 'rules', 'taxa', 'locations', 'language', 'contents', 'isComprehensive', 'localizedDataSemanticVersion',
    'minimumRequiredLocalizedDataSemanticVersion', 'associatedComponent', 'translationMetadata', 'supportedTaxonomies', 'properties',
  ],
  reportingDescriptor: [
    'id', 'deprecatedIds', 'guid', 'deprecatedGuids', 'name', 'deprecatedNames', 'shortDescription', 'fullDescription',
    'messageStrings', 'defaultConfiguration', 'helpUri', 'help', 'relationships', 'properties',
  ],
  reportingConfiguration: ['enabled', 'level', 'rank', 'parameters', 'properties'],
  multiformatMessageString: ['text', 'markdown', 'properties'],
  result: [
    'ruleId', 'ruleIndex', 'rule', 'kind', 'level', 'message', 'analysisTarget', 'locations', 'guid', 'correlationGuid',
    'occurrenceCount', 'partialFingerprints', 'fingerprints', 'stacks', 'codeFlows', 'graphs', 'graphTraversals',
    'relatedLocations', 'suppressions', 'baselineState', 'rank', 'attachments', 'hostedViewerUri', 'workItemUris',
    'provenance', 'fixes', 'taxa', 'webRequest', 'webResponse', 'properties',
  ],
  message: ['text', 'markdown', 'id', 'arguments', 'properties'],
  location: ['id', 'physicalLocation', 'logicalLocations', 'message', 'annotations', 'relationships', 'properties'],
  physicalLocation: ['address', 'artifactLocation', 'region', 'contextRegion', 'properties'],
  artifactLocation: ['uri', 'uriBaseId', 'index', 'description', 'properties'],
  region: [
    'startLine', 'startColumn', 'endLine', 'endColumn', 'charOffset', 'charLength', 'byteOffset', 'byteLength', 'snippet',
    'message', 'sourceLanguage', 'properties',
  ],
};

const LEVELS = ['none', 'note', 'warning', 'error'];
const KINDS = ['notApplicable', 'pass', 'fail', 'review', 'open', 'informational'];

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

export function sarifProblems(log: unknown): string[] {
  const problems: string[] = [];
  const obj = (v: unknown, kind: string, where: string, required: string[] = []): v is Obj => {
    if (!isObj(v)) {
      problems.push(`${where}: not an object`);
      return false;
    }
    for (const k of Object.keys(v)) if (!ALLOWED[kind].includes(k)) problems.push(`${where}: ${kind} has no property "${k}"`);
    for (const k of required) if (!(k in v)) problems.push(`${where}: ${kind} requires "${k}"`);
    return true;
  };
  const message = (v: unknown, kind: string, where: string) => {
    if (!obj(v, kind, where)) return;
    if (typeof v.text !== 'string' && typeof v.id !== 'string') problems.push(`${where}: needs text (or id)`);
  };
  const uint = (v: unknown, where: string, min = 0) => {
    if (!(Number.isInteger(v) && (v as number) >= min)) problems.push(`${where}: must be an integer >= ${min}`);
  };

  if (!obj(log, 'sarifLog', '$', ['version', 'runs'])) return problems;
  if (log.version !== '2.1.0') problems.push('$.version must be "2.1.0"');
  if (log.$schema !== undefined && !/^https?:\/\//.test(String(log.$schema))) problems.push('$.$schema must be a URI');
  if (!Array.isArray(log.runs)) return [...problems, '$.runs must be an array'];
  log.runs.forEach((run, r) => {
    const at = `$.runs[${r}]`;
    if (!obj(run, 'run', at, ['tool'])) return;
    const bases = isObj(run.originalUriBaseIds) ? run.originalUriBaseIds : {};
    for (const [id, base] of Object.entries(bases)) {
      if (!obj(base, 'artifactLocation', `${at}.originalUriBaseIds.${id}`)) continue;
      if (typeof base.uri !== 'string' || !/^file:\/\/\/.*\/$/.test(base.uri)) problems.push(`${at}.originalUriBaseIds.${id}.uri must be an absolute URI ending in /`);
    }
    if (run.columnKind !== undefined && !['utf16CodeUnits', 'unicodeCodePoints'].includes(String(run.columnKind)))
      problems.push(`${at}.columnKind: bad value`);
    let rules: Obj[] = [];
    if (obj(run.tool, 'tool', `${at}.tool`, ['driver']) && obj(run.tool.driver, 'toolComponent', `${at}.tool.driver`, ['name'])) {
      const driver = run.tool.driver;
      if (typeof driver.name !== 'string' || !driver.name) problems.push(`${at}.tool.driver.name must be a non-empty string`);
      if (driver.rules !== undefined) {
        if (!Array.isArray(driver.rules)) problems.push(`${at}.tool.driver.rules must be an array`);
        else
          rules = driver.rules.filter((rule, i): rule is Obj => {
            const w = `${at}.tool.driver.rules[${i}]`;
            if (!obj(rule, 'reportingDescriptor', w, ['id'])) return false;
            if (typeof rule.id !== 'string') problems.push(`${w}.id must be a string`);
            for (const k of ['shortDescription', 'fullDescription'] as const)
              if (rule[k] !== undefined) message(rule[k], 'multiformatMessageString', `${w}.${k}`);
            if (rule.defaultConfiguration !== undefined && obj(rule.defaultConfiguration, 'reportingConfiguration', `${w}.defaultConfiguration`)) {
              const level = rule.defaultConfiguration.level;
              if (level !== undefined && !LEVELS.includes(String(level))) problems.push(`${w}.defaultConfiguration.level: bad value`);
            }
            return true;
          });
      }
    }
    if (run.results === undefined) return;
    if (!Array.isArray(run.results)) return problems.push(`${at}.results must be an array`);
    run.results.forEach((result, i) => {
      const w = `${at}.results[${i}]`;
      if (!obj(result, 'result', w, ['message'])) return;
      message(result.message, 'message', `${w}.message`);
      if (result.level !== undefined && !LEVELS.includes(String(result.level))) problems.push(`${w}.level: bad value`);
      if (result.kind !== undefined && !KINDS.includes(String(result.kind))) problems.push(`${w}.kind: bad value`);
      if (result.ruleIndex !== undefined) {
        uint(result.ruleIndex, `${w}.ruleIndex`);
        if (rules[result.ruleIndex as number]?.id !== result.ruleId) problems.push(`${w}.ruleIndex does not point at rule ${String(result.ruleId)}`);
      }
      if (!Array.isArray(result.locations)) return;
      result.locations.forEach((loc, l) => {
        const lw = `${w}.locations[${l}]`;
        if (!obj(loc, 'location', lw) || loc.physicalLocation === undefined) return;
        if (!obj(loc.physicalLocation, 'physicalLocation', `${lw}.physicalLocation`)) return;
        const pl = loc.physicalLocation;
        if (obj(pl.artifactLocation, 'artifactLocation', `${lw}.physicalLocation.artifactLocation`)) {
          const a = pl.artifactLocation;
          if (typeof a.uri !== 'string' || /^[a-z][a-z0-9+.-]*:/i.test(a.uri) || a.uri.startsWith('/'))
            problems.push(`${lw}: artifactLocation.uri must be a relative URI reference`);
          if (a.uriBaseId !== undefined && !(String(a.uriBaseId) in bases)) problems.push(`${lw}: uriBaseId ${String(a.uriBaseId)} is not in originalUriBaseIds`);
        }
        if (pl.region !== undefined && obj(pl.region, 'region', `${lw}.physicalLocation.region`)) uint(pl.region.startLine, `${lw}.region.startLine`, 1);
      });
    });
  });
  return problems;
}
