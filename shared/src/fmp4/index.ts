export * from './fmp4-writer.js';
