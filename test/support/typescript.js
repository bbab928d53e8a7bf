'use strict';
// The TypeScript compiler of this package's own dependencies, run inside the
// test's process: each program is the one `tsc -p <project>` or
// `tsc <flags> <files>` would build, checked and emitted the same way. The
// one difference changes no result: a declaration file (@types/node above
// all) is parsed once per process and the parse is shared by every program
// that includes it, as `tsc --build` shares them between the projects it
// builds. Which files a program includes is still its own.
const path = require('node:path');
const ts = require('typescript');

const parsedDeclarations = new Map();

function sharingHost(options) {
  const host = ts.createCompilerHost(options);
  const parse = host.getSourceFile.bind(host);
  host.getSourceFile = (fileName, languageVersionOrOptions, onError, shouldCreateNewSourceFile) => {
    if (!fileName.endsWith('.d.ts') || shouldCreateNewSourceFile) {
      return parse(fileName, languageVersionOrOptions, onError, shouldCreateNewSourceFile);
    }
    // What a parse depends on besides the text: the language version, and
    // whether node16/nodenext read the file as CommonJS or as an ES module.
    const settings =
      typeof languageVersionOrOptions === 'object'
        ? languageVersionOrOptions
        : { languageVersion: languageVersionOrOptions };
    const key = [
      path.resolve(fileName),
      settings.languageVersion,
      settings.impliedNodeFormat,
      settings.jsDocParsingMode,
    ].join('|');
    let sourceFile = parsedDeclarations.get(key);
    if (sourceFile === undefined) {
      sourceFile = parse(fileName, languageVersionOrOptions, onError);
      if (sourceFile !== undefined) parsedDeclarations.set(key, sourceFile);
    }
    return sourceFile;
  };
  return host;
}

/** Diagnostics as tsc prints them; '' when there are none. */
function report(diagnostics) {
  return ts.formatDiagnostics(diagnostics, {
    getCanonicalFileName: (fileName) => fileName,
    getCurrentDirectory: () => process.cwd(),
    getNewLine: () => '\n',
  });
}

function compile(rootNames, options, configErrors = []) {
  const program = ts.createProgram({ rootNames, options, host: sharingHost(options) });
  const { diagnostics: emitDiagnostics } = program.emit();
  return report([...configErrors, ...ts.getPreEmitDiagnostics(program), ...emitDiagnostics]);
}

/** Builds the project `configFile` names as `tsc -p` does; returns what tsc
 * would report ('' for a clean build). */
function compileProject(configFile) {
  let fatal = [];
  const config = ts.getParsedCommandLineOfConfigFile(
    configFile,
    {},
    { ...ts.sys, onUnRecoverableConfigFileDiagnostic: (diagnostic) => (fatal = [diagnostic]) },
  );
  if (config === undefined) return report(fatal);
  return compile(config.fileNames, config.options, config.errors);
}

/** Compiles `files` as `tsc <flags> <files>` does; returns what tsc would
 * report ('' for a clean compile). */
function compileFiles(files, flags) {
  const { options, errors } = ts.parseCommandLine(flags);
  if (errors.length > 0) return report(errors);
  return compile(files, options);
}

module.exports = { compileFiles, compileProject };
