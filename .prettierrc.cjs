// prettier's settings for the addons' XML: those of OCA's 18.0 repositories
// (oca-addons-repo-template), with the XML indented by 4 spaces (.editorconfig).
// The plugin is looked up beside this file, then in .venv-tools/node, where
// setup/_lib.sh installs prettier (npm); pre-commit's node hooks set NODE_PATH.
/** @type {import('prettier').Config} */
const config = {
    plugins: [
        require.resolve("@prettier/plugin-xml", {
            paths: [__dirname, `${__dirname}/.venv-tools/node`],
        }),
    ],
    bracketSpacing: false,
    printWidth: 88,
    proseWrap: "always",
    semi: true,
    trailingComma: "es5",
    xmlWhitespaceSensitivity: "preserve",
};

module.exports = config;
