// The adapter contract through real Express servers on 127.0.0.1: the example app on Express 5, and on Express 4.
import express4 from 'express4'
import { runCloseContract, runContract } from '@tollgate/contract'
import { paywall } from './index.js'
import { createApp } from '../../../examples/express/src/app.js'
import { serve } from '../../node/src/test-support.js'

runContract({ name: 'express 5', start: ({ config }) => serve(createApp(config)) })
runContract({ name: 'express 4', start: ({ config }) => serve(createApp(config, express4)) })

runCloseContract({ name: 'express', open: async (options) => paywall(options) })
