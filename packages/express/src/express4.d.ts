// Express 4, installed as `express4` (an npm alias) to run the same tests on it. Its API is Express's.
declare module 'express4' {
  import express from 'express'
  export default express
}
