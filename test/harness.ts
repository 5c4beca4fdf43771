/** The offline engine the tests record programs with lives in tools/ (plan and bench use it too). */
export * from "../tools/offline";
