// An esbuild plugin for one P5 row: our sources with the wording of their messages taken out (string literals
// of 16 characters or more, and the text of every template literal), to show how much of a bundle is wording
// and how much is code. Short strings (keys, error codes, header names) stay, so the code still means the same.
import { readFile } from 'node:fs/promises'
import ts from 'typescript'

const MIN_LENGTH = 16

export const stripMessages = {
  name: 'strip-messages',
  setup(build) {
    build.onLoad({ filter: /packages\/[^/]+\/src\/.*\.ts$/ }, async (args) => ({
      contents: withoutMessages(await readFile(args.path, 'utf8'), args.path),
      loader: 'ts',
    }))
  },
}

function withoutMessages(source, fileName) {
  const file = ts.createSourceFile(fileName, source, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS)
  const cuts = [] // [start, end) of literal text to empty
  const isModuleName = (node) => ts.isImportDeclaration(node.parent) || ts.isExportDeclaration(node.parent)
  const visit = (node) => {
    if ((ts.isStringLiteral(node) && !isModuleName(node)) || ts.isNoSubstitutionTemplateLiteral(node)) {
      if (node.text.length >= MIN_LENGTH) cuts.push([node.getStart(file) + 1, node.end - 1])
    } else if (ts.isTemplateExpression(node)) {
      for (const part of [node.head, ...node.templateSpans.map((span) => span.literal)]) {
        // A head or a middle ends with `${`, a tail with a backtick.
        const end = ts.isTemplateTail(part) ? part.end - 1 : part.end - 2
        cuts.push([part.getStart(file) + 1, end])
      }
    }
    ts.forEachChild(node, visit)
  }
  visit(file)
  let out = source
  for (const [start, end] of cuts.sort((a, b) => b[0] - a[0])) out = out.slice(0, start) + out.slice(end)
  return out
}
