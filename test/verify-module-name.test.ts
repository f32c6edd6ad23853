import { moduleNameOf } from '../src/verify/command';

describe('the module a converted source defines', () => {
  it('reads PyInit_<name> as written', () => {
    expect(moduleNameOf('PyMODINIT_FUNC\nPyInit_spam(void)\n{\n    return PyModuleDef_Init(&spam_def);\n}\n')).toBe('spam');
  });

  it('reads it through a function-like macro the file defines (MOD_INIT(name))', () => {
    const text = [
      '#define MOD_INIT(name) PyMODINIT_FUNC PyInit_##name(void)',
      '',
      'MOD_INIT(_zope_proxy_proxy)',
      '{',
      '    return PyModuleDef_Init(&moduledef);',
      '}',
      '',
    ].join('\n');
    expect(moduleNameOf(text)).toBe('_zope_proxy_proxy');
  });

  it('finds none in a file without an init', () => {
    expect(moduleNameOf('#define MOD_INIT(name) PyMODINIT_FUNC PyInit_##name(void)\nstatic int x;\n')).toBeUndefined();
  });
});
