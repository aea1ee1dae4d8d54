// GraphiQL against this page's own URL (/graphql), with the headers editor and the explorer.
// A file of its own rather than an inline script, so the page's Content-Security-Policy can
// refuse every inline script.
"use strict";

const DEFAULT_QUERY = `# dangjian: every query needs a token. Make one with
#   dangjian token <username>
# and put it in the Headers tab below:
#   {"Authorization": "Bearer <token>"}

{
  viewer {
    username
  }
}
`;

ReactDOM.createRoot(document.getElementById("graphiql")).render(
  React.createElement(GraphiQL, {
    fetcher: GraphiQL.createFetcher({ url: window.location.pathname }),
    plugins: [GraphiQLPluginExplorer.explorerPlugin()],
    defaultQuery: DEFAULT_QUERY,
    defaultEditorToolsVisibility: "headers",
    isHeadersEditorEnabled: true,
    shouldPersistHeaders: true,
    inputValueDeprecation: true,
  }),
);
